"""Qt widgets only: builds jobs and shows results. Never imports torch."""
