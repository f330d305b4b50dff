"""ensembles: see ARCHITECTURE.md (in progress)."""
