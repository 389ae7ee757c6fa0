"""Everything that is not UI. Nothing here imports textual."""
