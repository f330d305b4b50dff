"""phasespace: see ARCHITECTURE.md (in progress)."""
