"""The agenda packet as PDF, built from the same MeetingView as the screen: it carries
exactly what this attendee's organisation may see, and nothing else."""

from __future__ import annotations

from io import BytesIO
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from caseroom.selectors import AgendaView, MeetingView


def _text(value: object) -> str:
    """User text is data, never markup: escape it and keep its line breaks."""
    return escape(str(value)).replace("\n", "<br/>")


def person_roles(item: AgendaView) -> list[tuple[str, list[str]]]:
    """The persons the view lists, once each, with their roles in the case."""
    people: dict[object, tuple[str, list[str]]] = {}
    for link in item.persons:
        name = " ".join(p for p in (link.person.given_names, link.person.surname) if p)
        people.setdefault(link.person_id, (name, []))[1].append(str(link.get_role_display()))
    return list(people.values())


def agenda_pdf(view: MeetingView, *, organisation_name: str) -> bytes:
    meeting = view.meeting
    starts = timezone.localtime(meeting.starts_at)
    styles = getSampleStyleSheet()
    h1, h2, h3, body = styles["Title"], styles["Heading2"], styles["Heading3"], styles["BodyText"]
    muted = styles["Italic"]
    story: list[Any] = [
        Paragraph(_text(f"{meeting.meeting_type.label} — {date_format(starts, 'j F Y H:i')}"), h1),
        Paragraph(_text(_("Plaats: %(place)s") % {"place": meeting.location or "—"}), body),
        Paragraph(
            _text(
                _(
                    "Agenda voor %(organisation)s. Dit stuk bevat alleen de informatie die uw "
                    "organisatie mag zien. Vertrouwelijk: niet verspreiden."
                )
                % {"organisation": organisation_name}
            ),
            muted,
        ),
        Spacer(1, 6 * mm),
    ]
    if not view.items:
        story.append(Paragraph(_text(_("Er staan geen casussen op de agenda.")), body))
    for number, item in enumerate(view.items, start=1):
        story.append(
            Paragraph(
                _text(
                    _("Agendapunt %(n)s: casus %(case)s") % {"n": number, "case": item.case.number}
                ),
                h2,
            )
        )
        if item.item.question:
            story.append(Paragraph(_text(_("Vraag aan het overleg")), h3))
            story.append(Paragraph(_text(item.item.question), body))
        if item.persons:
            story.append(Paragraph(_text(_("Personen")), h3))
            for name, roles in person_roles(item):
                story.append(Paragraph(_text(f"{name} ({', '.join(roles)})"), body))
        story.append(Paragraph(_text(_("Informatie-inbreng")), h3))
        if not item.contributions:
            story.append(Paragraph(_text(_("Geen inbreng die uw organisatie mag zien.")), muted))
        for category, rows in groupby(item.contributions, key=lambda c: c.category):
            story.append(Paragraph(f"<b>{_text(category.label)}</b>", body))
            for contribution in rows:
                story.append(
                    Paragraph(_text(f"{contribution.organisation.name}: {contribution.text}"), body)
                )
        if item.actions:
            story.append(Paragraph(_text(_("Afspraken")), h3))
            for action in item.actions:
                due = date_format(action.due_date, "j F Y")
                story.append(
                    Paragraph(
                        _text(
                            f"{action.description} — {action.owner_organisation.name}, "
                            + _("uiterlijk %(due)s") % {"due": due}
                            + f" ({action.get_status_display()})"
                        ),
                        body,
                    )
                )
        if item.minutes is not None and (item.minutes.text or item.minutes.decisions):
            story.append(Paragraph(_text(_("Verslag")), h3))
            story.append(Paragraph(_text(item.minutes.text), body))
            if item.minutes.decisions:
                story.append(Paragraph(f"<b>{_text(_('Besluiten'))}</b>", body))
                story.append(Paragraph(_text(item.minutes.decisions), body))
        story.append(Spacer(1, 4 * mm))

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("Agenda casusoverleg"),
        author="Casusregie",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    document.build(story)
    return buffer.getvalue()
