"""Models of the caseroom app arrive with their issue; see DESIGN.md §5."""
