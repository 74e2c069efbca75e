"""Every API route that returns personal data writes an access event naming the persons it
exposed, on a read and on a write whose answer shows them. The routes are found in the URL
configuration: a route added later must be put in one of the tables below, or this test
fails."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Meeting, MeetingType, Minutes
from caseroom.uploads import check_upload
from consent import retention, subject_requests
from escalation import services as escalation_services
from escalation.models import EscalationLevel
from partners.roles import Role
from persons.services import person_create
from tests.caseroom.conftest import World, make_org, make_user
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

Url = Callable[[World, dict[str, object]], str]
Body = Callable[[World, dict[str, object]], dict[str, object]]

# Routes whose GET returns personal data: who asks, and where.
LOGGED: dict[str, tuple[str, Url]] = {
    "case-list": ("politie", lambda w, x: reverse("v1:case-list")),
    "case-detail": ("politie", lambda w, x: reverse("v1:case-detail", args=[w.case.pk])),
    "case-persons": ("politie", lambda w, x: reverse("v1:case-persons", args=[w.case.pk])),
    "case-timeline": ("politie", lambda w, x: reverse("v1:case-timeline", args=[w.case.pk])),
    "case-groups": ("politie", lambda w, x: reverse("v1:case-groups", args=[w.case.pk])),
    "person-list": ("politie", lambda w, x: reverse("v1:person-list")),
    "person-detail": ("politie", lambda w, x: reverse("v1:person-detail", args=[w.person.pk])),
    "contribution-list": (
        "politie",
        lambda w, x: reverse("v1:contribution-list", args=[w.case.pk]),
    ),
    "contribution-detail": (
        "politie",
        lambda w, x: reverse(
            "v1:contribution-detail", args=[w.case.pk, w.contributions["politie"].pk]
        ),
    ),
    "contribution-attachment": (
        "politie",
        lambda w, x: reverse(
            "v1:contribution-attachment", args=[w.case.pk, x["contribution"], x["attachment"]]
        ),
    ),
    "referral-list": ("regisseur", lambda w, x: reverse("v1:referral-list")),
    "participant-list": (
        "regisseur",  # the withdrawal reasons are shown to the procesregisseur only
        lambda w, x: reverse("v1:participant-list", args=[w.case.pk]),
    ),
    "referral-detail": (
        "regisseur",
        lambda w, x: reverse("v1:referral-detail", args=[w.case.referral_id]),
    ),
    "meeting-view": ("politie", lambda w, x: reverse("v1:meeting-view", args=[x["meeting"]])),
    "action-list": ("woning", lambda w, x: reverse("v1:action-list")),
    "goal-list": ("politie", lambda w, x: reverse("v1:goal-list", args=[w.case.pk])),
    "legal-basis-list": (
        "regisseur",
        lambda w, x: reverse("v1:legal-basis-list", args=[w.case.pk]),
    ),
    "consent-list": ("regisseur", lambda w, x: reverse("v1:consent-list", args=[w.case.pk])),
    "retention-extension-list": ("privacy", lambda w, x: reverse("v1:retention-extension-list")),
    "subject-request-list": ("privacy", lambda w, x: reverse("v1:subject-request-list")),
    "case-escalations": (
        "regisseur",
        lambda w, x: reverse("v1:case-escalations", args=[w.case.pk]),
    ),
    "escalation-queue": ("bestuurder", lambda w, x: reverse("v1:escalation-queue")),
    "directive-pdf": (
        "bestuurder",
        lambda w, x: reverse("v1:directive-pdf", args=[x["directive"]]),
    ),
    "subject-request-detail": (
        "privacy",
        lambda w, x: reverse("v1:subject-request-detail", args=[x["subject_request"]]),
    ),
    "subject-request-report": (
        "privacy",
        lambda w, x: reverse("v1:subject-request-report", args=[x["subject_request"]]),
    ),
    "break-glass-review-list": ("privacy", lambda w, x: reverse("v1:break-glass-review-list")),
    "break-glass-review-detail": (
        "privacy",
        lambda w, x: reverse("v1:break-glass-review-detail", args=[x["break_glass"]]),
    ),
    "audit-events": ("privacy", lambda w, x: reverse("v1:audit-events") + f"?person={w.person.pk}"),
    "audit-events-logboek": (
        "privacy",
        lambda w, x: reverse("v1:audit-events-logboek") + f"?person={w.person.pk}",
    ),
    "audit-events-export": (
        "privacy",
        lambda w, x: reverse("v1:audit-events-export") + f"?person={w.person.pk}",
    ),
    "audit-events-pdf": (
        "privacy",
        lambda w, x: reverse("v1:audit-events-pdf") + f"?person={w.person.pk}",
    ),
}

# Routes that return no personal data on GET (or have no GET), and why.
NOT_PERSONAL: dict[str, str] = {
    "api-root": "an index of links",
    "me": "the caller's own account",
    "organisation-list": "organisations, no persons",
    "organisation-detail": "an organisation",
    "meeting-list": "dates, places and types of meetings",
    "meeting-detail": "one meeting's date, place and type",
    "participant-detail": "write only",
    "participant-withdraw": "write only",
    "plan-agree": "write only",
    "legal-basis-end": "write only",
    "retention-list": "case numbers and dates of closed cases (the use is logged)",
    "retention-hold": "write only",
    "subject-request-task-done": "write only",
    "case-directive": "write only",
    "escalation-respond": "write only",
    "escalation-close": "write only",
    "stall-list": "case numbers, kinds and dates only",
    "export-anonymised": "anonymised: no identifiers, small groups suppressed (use logged)",
    "subject-request-action": "write only",
    "retention-extension-request": "write only",
    "retention-extension-decide": "write only",
    "retention-tombstones": "case numbers, dates and counts of removed cases",
    "consent-withdraw": "write only",
    "audit-anomalies": "rule, user and time of unusual access; no persons (the use is logged)",
    "audit-review-list": "review items: rule, user, time, findings; no persons (use logged)",
    "audit-review-detail": "one review item, as above (the use is logged)",
    "person-check": "POST only; logged as a check (tests/caseroom/test_api.py)",
    "break-glass": "POST only; logged as break_glass (tests/caseroom/test_need_to_know.py)",
    "person-addresses": "write only",
    "person-relations": "write only",
    "meeting-agenda": "write only",
    "meeting-attendees": "write only",
    "meeting-sign": "write only",
    "minutes-approve": "write only",
}

# Writes whose answer shows personal data the caller did not send: who writes, the method,
# where, what, and the expected status. (Writes that only echo the caller's own input, such
# as a new contribution or address, are not reads.)
LOGGED_WRITES: dict[str, tuple[str, str, Url, Body, int]] = {
    "case-detail": (
        "regisseur",
        "patch",
        lambda w, x: reverse("v1:case-detail", args=[w.case.pk]),
        lambda w, x: {"status": "in_behandeling"},
        200,
    ),
    "case-persons": (
        "regisseur",
        "post",
        lambda w, x: reverse("v1:case-persons", args=[w.case.pk]),
        lambda w, x: {"person": str(x["relative"]), "role": "gezinslid"},
        201,
    ),
    "referral-list": (
        "politie",  # names a person politie knows from its case: the stored record is shown
        "post",
        lambda w, x: reverse("v1:referral-list"),
        lambda w, x: {
            "house": w.house.pk,
            "persons": [{"surname": "Haidari", "bsn": "111222333"}],
            "reason": "Nieuwe meldingen van bedreiging.",
            "goal": "Afstemmen met de lopende aanpak.",
            "person_informed": True,
        },
        201,
    ),
    "referral-triage": (
        "regisseur",
        "post",
        lambda w, x: reverse("v1:referral-triage", args=[x["referral"]]),
        lambda w, x: {"decision": "advies", "note": "Past binnen de lopende casus."},
        200,
    ),
    "minutes-detail": (
        "regisseur",  # a stale save answers 409 with the text that won
        "put",
        lambda w, x: reverse("v1:minutes-detail", args=[x["draft_item"]]),
        lambda w, x: {"text": "Mijn versie.", "version": 0},
        409,
    ),
    "minutes-amend": (
        "regisseur",
        "post",
        lambda w, x: reverse("v1:minutes-amend", args=[x["approved_item"]]),
        lambda w, x: {"text": "Mijn versie.", "version": 0, "reason": "Aanvulling."},
        409,
    ),
    "action-set-status": (
        "woning",
        "post",
        lambda w, x: reverse("v1:action-set-status", args=[x["action"]]),
        lambda w, x: {"status": "in_uitvoering"},
        200,
    ),
}


def api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(entries: list[URLPattern | URLResolver], prefix: str) -> None:
        for entry in entries:
            route = prefix + str(entry.pattern).lstrip("^")
            if isinstance(entry, URLResolver):
                walk(list(entry.url_patterns), route)
            elif route.startswith("api/v1/") and entry.name:
                names.add(entry.name)

    walk(list(get_resolver().url_patterns), "")
    return names


def test_every_api_route_is_declared_logged_or_not_personal() -> None:
    names = api_route_names()
    undeclared = names - set(LOGGED) - set(NOT_PERSONAL) - set(LOGGED_WRITES)
    assert not undeclared, f"declare these routes in LOGGED or NOT_PERSONAL: {sorted(undeclared)}"
    declared = set(LOGGED) | set(NOT_PERSONAL) | set(LOGGED_WRITES)
    assert not declared - names, "tables name routes that do not exist"


def fixtures(world: World) -> dict[str, object]:
    pdf = b"%PDF-1.7\n" + b"1 0 obj\n<<>>\nendobj\n" * 4 + b"startxref\n9\n%%EOF\n"
    services.participation_withdraw(
        participation=world.participations["vt"],
        reason="Geen jeugdigen meer in het gezin.",
        by=world.regisseur,
    )
    group = services.group_record_create(
        house=world.house,
        name="Jeugdgroep Plein",
        classification="overlastgevend",
        by=world.regisseur,
    )
    services.group_record_link(group=group, case=world.case, by=world.regisseur)
    contribution = services.contribution_add(
        case=world.case,
        by=world.politie,
        category=services.categories_by_code(["politie"])[0],
        text="Zie bijlage.",
        person=world.person,
        files=[check_upload(filename="pv.pdf", data=pdf, declared_type="application/pdf")],
    )
    (meeting,) = services.meeting_create(
        house=world.house,
        meeting_type=MeetingType.objects.get(code="casusoverleg"),
        starts_at=world.case.opened_at,
        by=world.regisseur,
    )
    services.agenda_item_add(meeting=meeting, case=world.case, by=world.regisseur)
    services.attendee_invite(
        meeting=meeting, organisation=world.politie.organisation, by=world.regisseur
    )
    services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huisbezoek.",
        owner_organisation=world.woning.organisation,
        due_date=world.case.opened_at.date(),
    )
    services.goal_add(
        case=world.case,
        domain=services.LifeDomain.objects.get(code="huisvesting"),
        description="Wonen blijft.",
        by=world.regisseur,
    )
    assert isinstance(meeting, Meeting)
    broken = services.break_glass_open(
        user=world.outsider,
        case=world.case,
        reason="Acute dreiging; de wijkagent heeft de gegevens nu nodig.",
        categories=[],
    )
    mayor = make_user("burgemeester", make_org("Gemeente", "gemeente"), Role.BESTUURDER)

    def escalate() -> None:
        escalation_services.escalate(
            case=world.case,
            level=EscalationLevel.objects.get(code="bestuurlijk"),
            by=world.regisseur,
            reason="Patstelling tussen GGZ en woningcorporatie over de zorg.",
            organisations=[world.ggz.organisation],
            addressed_to="burgemeester",
            stalemate=True,
            solutions_discussed="Overleg gevoerd, geen oplossing.",
            urgency="Ontruiming over een week; spoed is nodig.",
        )

    escalate()
    directive = escalation_services.directive_issue(
        case=world.case,
        by=mayor,
        organisation=world.ggz.organisation,
        categories=services.categories_by_code(["basis", "zorg"]),
        consultation_expired="Alle niveaus doorlopen zonder partij die de regie neemt.",
        interests_weighed="Veiligheid van de buren tegen de autonomie van de organisaties.",
        proportionality="Alleen de regie wordt opgedragen; lichtere middelen faalden.",
        comply_by=datetime.date(2099, 1, 1),
        objection_route="Bezwaar binnen zes weken bij de burgemeester.",
    )
    escalate()  # a new stalemate, awaiting the bestuurder
    services.case_set_status(
        case=world.case, status="afgesloten", closure_reason="doel_bereikt", by=world.regisseur
    )
    retention.extension_request(
        case=world.case,
        until=datetime.date(2099, 1, 1),
        reason="Strafzaak loopt nog; het dossier is nodig voor de rechtbank.",
        by=world.regisseur,
    )
    subject_request = subject_requests.request_intake(
        kind="inzage",
        bsn="111222333",
        description="Wat is er over mij vastgelegd?",
        identity_checked="paspoort",
        by=world.politie,
    )
    return {
        "bestuurder": mayor,
        "directive": directive.pk,
        "subject_request": subject_request.pk,
        "break_glass": broken.pk,
        "contribution": contribution.pk,
        "attachment": contribution.attachments.get().pk,
        "meeting": meeting.pk,
    }


@pytest.mark.parametrize("name", sorted(LOGGED))
def test_a_route_with_personal_data_logs_the_persons_it_exposed(world: World, name: str) -> None:
    extra = fixtures(world)
    who, url = LOGGED[name]
    user = {
        "politie": world.politie,
        "regisseur": world.regisseur,
        "woning": world.woning,
        "privacy": world.privacy,
        "bestuurder": extra["bestuurder"],
    }[who]
    client = verified_client(user)
    before = AccessEvent.objects.count()
    response = client.get(url(world, extra))
    assert response.status_code == 200, (name, response.status_code)
    events = list(AccessEvent.objects.order_by("seq")[before:])
    assert len(events) == 1, name
    assert str(world.person.pk) in events[0].person_ids, name
    assert events[0].actor_id == user.pk


def write_fixtures(world: World) -> dict[str, object]:
    relative = person_create(surname="Haidari", given_names="Amina")
    referral = services.referral_submit(
        by=world.politie,
        house=world.house,
        persons=[world.person],
        reason="Nieuwe meldingen van bedreiging.",
        goal="Afstemmen met de lopende aanpak.",
        person_informed=True,
    )
    draft, approved = services.meeting_create(
        house=world.house,
        meeting_type=MeetingType.objects.get(code="casusoverleg"),
        starts_at=world.case.opened_at,
        repeat_every_days=7,
        repeat_count=2,
        by=world.regisseur,
    )
    items = [
        services.agenda_item_add(meeting=meeting, case=world.case, by=world.regisseur)
        for meeting in (draft, approved)
    ]
    for item in items:
        services.minutes_save(
            agenda_item=item,
            by=world.regisseur,
            text="Afgesproken: huisbezoek met twee personen.",
            decisions="",
            expected_version=0,
        )
    services.minutes_approve(minutes=Minutes.objects.get(agenda_item=items[1]), by=world.regisseur)
    action = services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huisbezoek.",
        owner_organisation=world.woning.organisation,
        due_date=world.case.opened_at.date(),
    )
    return {
        "relative": relative.pk,
        "referral": referral.pk,
        "draft_item": items[0].pk,
        "approved_item": items[1].pk,
        "action": action.pk,
    }


@pytest.mark.parametrize("name", sorted(LOGGED_WRITES))
def test_a_write_whose_answer_shows_persons_logs_them(world: World, name: str) -> None:
    extra = write_fixtures(world)
    who, method, url, body, expected = LOGGED_WRITES[name]
    user = {"politie": world.politie, "regisseur": world.regisseur, "woning": world.woning}[who]
    client = verified_client(user)
    before = AccessEvent.objects.count()
    response = getattr(client, method)(
        url(world, extra), body(world, extra), content_type="application/json"
    )
    assert response.status_code == expected, (name, response.content)
    # A referral naming a known person logs a check of its own; that is not the read.
    shown = [
        event
        for event in AccessEvent.objects.order_by("seq")[before:]
        if event.action != AccessEvent.Action.CHECK and str(world.person.pk) in event.person_ids
    ]
    assert shown, name
    assert {event.actor_id for event in shown} == {user.pk}
