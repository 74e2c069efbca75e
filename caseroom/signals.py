"""Signals by which other apps take part in case-room changes without being imported here
(DESIGN.md §5: consent → caseroom)."""

from django.dispatch import Signal

# Sent inside the transaction before an organisation is granted categories in a case, with
# ``case``, ``organisation``, ``categories`` and ``by``: a receiver may record the legal bases
# that the covenant supplies. The grant is refused if a basis is still missing afterwards.
legal_bases_needed = Signal()
