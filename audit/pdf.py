"""The console's PDFs: a selection of access events, and the monthly report per house.
Metadata only, like the console itself."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from audit.anomalies import rule_label
from audit.chain import Verification
from audit.console import MonthFigures
from audit.models import AccessEvent, ReviewItem

TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _p(text: object, style: Any) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _build(story: list[Any], *, wide: bool = False) -> bytes:
    buffer = BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(
        buffer, pagesize=size, leftMargin=15 * mm, rightMargin=15 * mm, title="Casusregie"
    )
    doc.build(story)
    return buffer.getvalue()


def _table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TABLE_STYLE)
    return table


def events_pdf(events: Iterable[AccessEvent], *, description: str, limit: int) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    now = date_format(timezone.localtime(), "j F Y H:i")
    story: list[Any] = [
        _p(_("Toegangslog Casusregie"), styles["Title"]),
        _p(
            _("Selectie: %(what)s. Gemaakt op %(now)s.") % {"what": description, "now": now},
            styles["BodyText"],
        ),
        _p(
            _("Vertrouwelijk. Alleen metagegevens: wie, wanneer, wat en waarom; geen inhoud."),
            styles["Italic"],
        ),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Any]] = [
        [
            _("Nr."),
            _("Tijdstip"),
            _("Gebruiker"),
            _("Organisatie"),
            _("Handeling"),
            _("Object"),
            _("Personen"),
            _("Doel"),
            _("Resultaat"),
        ]
    ]
    count = 0
    for event in events:
        count += 1
        if count > limit:
            break
        rows.append(
            [
                event.seq,
                date_format(timezone.localtime(event.occurred_at), "j-n-Y H:i:s"),
                _p(
                    event.actor_username
                    + (f" ({event.on_behalf_of})" if event.on_behalf_of else ""),
                    small,
                ),
                _p(event.organisation_name, small),
                _p(event.get_action_display(), small),
                _p(f"{event.object_type} {event.object_id}", small),
                _p(", ".join(str(p)[:8] for p in event.person_ids), small),
                _p(event.purpose, small),
                _p(event.get_result_display(), small),
            ]
        )
    if count == 0:
        story.append(_p(_("Geen gebeurtenissen in deze selectie."), styles["BodyText"]))
    else:
        widths = [x * mm for x in (14, 28, 30, 32, 24, 36, 30, 55, 18)]
        story.append(_table(rows, widths))
        if count > limit:
            story.append(
                _p(
                    _(
                        "Alleen de eerste %(n)s gebeurtenissen; verfijn de selectie of gebruik de "
                        "CSV-export."
                    )
                    % {"n": limit},
                    styles["Italic"],
                )
            )
    return _build(story, wide=True)


def month_report_pdf(figures: MonthFigures, *, chain: Verification | None) -> bytes:
    styles = getSampleStyleSheet()
    h1, h2, body = styles["Title"], styles["Heading2"], styles["BodyText"]
    month = date_format(figures.first, "F Y")
    story: list[Any] = [
        _p(_("Maandrapportage toegang tot persoonsgegevens"), h1),
        _p(f"{figures.house.name} — {month}", styles["Heading3"]),
        _p(
            _("Periode %(first)s tot en met %(last)s. Gemaakt op %(now)s. Vertrouwelijk.")
            % {
                "first": date_format(figures.first, "j F Y"),
                "last": date_format(figures.last, "j F Y"),
                "now": date_format(timezone.localtime(), "j F Y H:i"),
            },
            styles["Italic"],
        ),
        Spacer(1, 4 * mm),
        _p(_("Samenvatting"), h2),
        _table(
            [
                [_("Onderwerp"), _("Aantal")],
                [_("Toegangsgebeurtenissen"), figures.events],
                [_("Gebruikers met toegang"), figures.users],
                [_("Betrokkenen van wie gegevens zijn ingezien"), figures.persons],
                [_("Geweigerde of mislukte toegang"), figures.denied],
                [_("Exports en afdrukken"), figures.exports],
                [
                    _("Gebruik van het toezichtsoverzicht door de privacyfunctionaris"),
                    figures.console,
                ],
            ],
            [120 * mm, 30 * mm],
        ),
        _p(_("Per handeling"), h2),
    ]
    actions = dict(AccessEvent.Action.choices)
    story.append(
        _table(
            [[_("Handeling"), _("Aantal")]]
            + [[str(actions.get(a, a)), n] for a, n in figures.per_action.most_common()]
            or [[_("Handeling"), _("Aantal")]],
            [120 * mm, 30 * mm],
        )
    )
    story.append(_p(_("Per organisatie"), h2))
    story.append(
        _table(
            [[_("Organisatie"), _("Gebeurtenissen"), _("Betrokkenen")]]
            + [[org, n, p] for org, (n, p) in figures.per_organisation.items()],
            [100 * mm, 30 * mm, 30 * mm],
        )
    )
    story.append(_p(_("Ongebruikelijke toegang en beoordeling"), h2))
    if figures.items_per_rule:
        story.append(
            _table(
                [[_("Regel"), _("Items")]]
                + [[rule_label(r), n] for r, n in figures.items_per_rule.most_common()],
                [120 * mm, 30 * mm],
            )
        )
        statuses = dict(ReviewItem.Status.choices)
        story.append(Spacer(1, 3 * mm))
        story.append(
            _table(
                [[_("Status van de beoordeling"), _("Items")]]
                + [[str(statuses.get(s, s)), n] for s, n in figures.items_per_status.most_common()],
                [120 * mm, 30 * mm],
            )
        )
    else:
        story.append(_p(_("Geen ongebruikelijke toegang gevonden in deze maand."), body))
    story.append(_p(_("Integriteit van het toegangslog"), h2))
    if chain is None:
        story.append(_p(_("De keten is nog niet gecontroleerd."), body))
    elif chain.ok:
        story.append(
            _p(
                _("De keten is onbroken tot en met gebeurtenis %(seq)s.") % {"seq": chain.head_seq},
                body,
            )
        )
    else:
        story.append(
            _p(
                _("De keten is gebroken bij gebeurtenis %(seq)s: %(reason)s.")
                % {"seq": chain.broken_seq, "reason": chain.reason},
                body,
            )
        )
    return _build(story)
