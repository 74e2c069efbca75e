"""The access report of a data-subject request (AVG art. 15) as PDF: the person's data by
category across cases, and who accessed them (organisation and role, not staff names)."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from consent.subject_requests import AccessReport


def _p(text: object, style: Any) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def access_report_pdf(report: AccessReport, *, draft: bool) -> bytes:
    styles = getSampleStyleSheet()
    h1, h2, h3, body = styles["Title"], styles["Heading2"], styles["Heading3"], styles["BodyText"]
    small = body.clone("small", fontSize=8, leading=10)
    person = report.person
    name = person.full_name
    story: list[Any] = [
        _p(_("Inzage in uw gegevens (AVG art. 15)"), h1),
        _p(
            _("Over: %(name)s. Gemaakt op %(now)s.")
            % {"name": name, "now": date_format(timezone.localtime(), "j F Y H:i")},
            body,
        ),
    ]
    if draft:
        story.append(_p(_("CONCEPT — nog niet gecontroleerd en vrijgegeven."), styles["Italic"]))
    story += [Spacer(1, 4 * mm), _p(_("Uw gegevens"), h2)]
    facts = [
        (_("Achternaam"), person.surname),
        (_("Voornamen"), person.given_names),
        (_("Geboortedatum"), date_format(person.birth_date, "j F Y") if person.birth_date else ""),
        (_("BSN"), person.bsn or ""),
        (_("Geslacht"), person.get_gender_display() if person.gender else ""),
        (_("Voertaal"), person.language),
        (_("Communicatiebehoeften"), person.communication_needs),
        (_("Waarschuwing voor medewerkers"), person.staff_safety_warning),
    ]
    for address in person.addresses.all():
        where = ", ".join(p for p in (address.street, address.postcode, address.city) if p)
        facts.append((str(address.get_kind_display()).capitalize(), where))
    for label, value in facts:
        if value:
            story.append(_p(f"{label}: {value}", body))
    if report.relations:
        story.append(_p(_("Relaties"), h3))
        for kind, other in report.relations:
            story.append(_p(f"{kind}: {other}", body))
    story.append(_p(_("Casussen en wat partners over u hebben vastgelegd"), h2))
    if not report.cases:
        story.append(_p(_("U komt in geen casus voor."), body))
    for section in report.cases:
        closed = date_format(section.closed_at, "j F Y") if section.closed_at else _("loopt")
        story.append(
            _p(
                _("Casus %(number)s (%(status)s), %(opened)s – %(closed)s; uw rol: %(roles)s")
                % {
                    "number": section.number,
                    "status": section.status,
                    "opened": date_format(section.opened_at, "j F Y"),
                    "closed": closed,
                    "roles": ", ".join(section.roles),
                },
                h3,
            )
        )
        if not section.contributions:
            story.append(_p(_("Geen informatie over u ingebracht."), body))
        for contribution in section.contributions:
            story.append(
                _p(
                    f"{contribution.category.label} — {contribution.organisation.name}, "
                    f"{date_format(timezone.localtime(contribution.created_at), 'j F Y')}",
                    styles["Heading4"],
                )
            )
            story.append(_p(contribution.text, body))
    story.append(_p(_("Wie uw gegevens heeft ingezien"), h2))
    rows: list[list[Any]] = [[_("Tijdstip"), _("Organisatie"), _("Rol"), _("Handeling"), _("Doel")]]
    for event in report.accesses:
        rows.append(
            [
                date_format(timezone.localtime(event.occurred_at), "j-n-Y H:i"),
                _p(event.organisation_name or "—", small),
                _p(event.role, small),
                _p(event.get_action_display(), small),
                _p(event.purpose, small),
            ]
        )
    table = Table(rows, colWidths=[28 * mm, 45 * mm, 30 * mm, 30 * mm, 45 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Inzage").build(story)
    return buffer.getvalue()
