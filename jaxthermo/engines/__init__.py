"""engines: see ARCHITECTURE.md (in progress)."""
