"""Models of the consent app arrive with their issue; see DESIGN.md §5."""
