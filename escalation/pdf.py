"""The directive (besluit doorzettingsmacht) as a formal decision."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer  # type: ignore[import-untyped]

from escalation.models import Directive


def _p(text: object, style: Any) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def directive_pdf(directive: Directive) -> bytes:
    styles = getSampleStyleSheet()
    h1, h2, body = styles["Title"], styles["Heading2"], styles["BodyText"]
    issued = date_format(timezone.localtime(directive.created_at), "j F Y")
    story: list[Any] = [
        _p(_("Besluit doorzettingsmacht"), h1),
        _p(
            _(
                "De burgemeester, gelet op de escalatie in casus %(case)s van %(house)s, besluit "
                "op %(date)s:"
            )
            % {"case": directive.case.number, "house": directive.case.house.name, "date": issued},
            body,
        ),  # fmt: skip
        Spacer(1, 4 * mm),
        _p(_("Besluit"), h2),
        _p(
            _(
                "%(organisation)s wordt aangewezen om de regie op de zorg in deze casus op zich "
                "te nemen, en neemt daartoe deel aan de casus met de categorieën: %(categories)s."
            )
            % {
                "organisation": directive.organisation.name,
                "categories": ", ".join(str(c.label) for c in directive.categories.all()),
            },
            body,
        ),  # fmt: skip
        _p(
            _("Dit besluit moet uiterlijk %(date)s zijn nageleefd.")
            % {"date": date_format(directive.comply_by, "j F Y")},
            body,
        ),
        _p(_("Waarom de redelijke overlegtermijn is verstreken"), h2),
        _p(directive.consultation_expired, body),
        _p(_("Afgewogen belangen"), h2),
        _p(directive.interests_weighed, body),
        _p(_("Evenredigheid"), h2),
        _p(directive.proportionality, body),
        _p(_("Bezwaar en beroep"), h2),
        _p(directive.objection_route, body),
    ]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Besluit doorzettingsmacht").build(story)
    return buffer.getvalue()
