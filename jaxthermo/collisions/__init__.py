"""collisions: see ARCHITECTURE.md (in progress)."""
