"""Models of the escalation app arrive with their issue; see DESIGN.md §5."""
