"""The world the authorization matrix asks about: house A with an open case and one of
everything in it, a closed case, and for every role a user in three positions — in the
organisation that takes part (or the house's own), in another house's organisation, and in
an organisation with no part anywhere."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from audit.models import ReviewItem
from caseroom import services
from caseroom.models import Case, Meeting, MeetingType, TargetGroup
from caseroom.uploads import check_upload
from consent import retention, subject_requests
from consent import services as consent_services
from escalation import services as escalation_services
from escalation.models import EscalationLevel
from partners.models import Organisation, User
from partners.roles import Role
from persons.services import person_create
from tests.caseroom.conftest import World, make_org, make_user, open_case

ROLES = (
    Role.PROCESREGISSEUR,
    Role.KETENPARTNER,
    Role.PRIVACYFUNCTIONARIS,
    Role.BESTUURDER,
    Role.BEHEERDER,
)
CONTEXTS = ("own", "other", "none")


@dataclass
class MatrixWorld:
    base: World
    users: dict[tuple[str, str], User]
    ids: dict[str, Any] = field(default_factory=dict)


@dataclass
class SecondHouse:
    organisation: Organisation
    case: Case
    regisseur: User
    politie: User


def second_house(world: World) -> SecondHouse:
    """House B with a case of its own, in which Politie Noord takes part and contributed."""
    zvh = make_org("ZVH Noord", "zvh")
    house = services.house_create(name="ZVH Noord", organisation=zvh, case_prefix="ZVN")
    regisseur = make_user("regisseur-b", zvh, Role.PROCESREGISSEUR)
    politie = make_user("politie-b", make_org("Politie Noord", "politie"))
    person = person_create(
        surname="Jansen", given_names="Piet", bsn="123456782", birth_date=datetime.date(1990, 1, 1)
    )
    case = open_case(house=house, regisseur=regisseur, referrer=politie, persons=[person])
    services.contribution_add(
        case=case,
        by=politie,
        category=services.categories_by_code(["basis"])[0],
        text="Melding van overlast in Noord.",
        person=person,
    )
    return SecondHouse(organisation=zvh, case=case, regisseur=regisseur, politie=politie)


def build(world: World) -> MatrixWorld:
    """Everything in house A is reached by the 'own' users; house B and a lone organisation
    give the 'other' and 'none' users."""
    house_a = world.house
    zvh_a = house_a.organisation
    house_b = second_house(world)
    zvh_b = house_b.organisation
    lone = make_org("Stichting Zonder Casussen", "wijkteam")
    lone_zvh = make_org("ZVH in oprichting", "zvh")  # a ZVH organisation without a house
    gemeente_a = make_org("Gemeente Rivierstad", "gemeente")
    gemeente_b = make_org("Gemeente Noordstad", "gemeente")
    gemeente_none = make_org("Gemeente Elders", "gemeente")

    users: dict[tuple[str, str], User] = {
        (Role.PROCESREGISSEUR, "own"): world.regisseur,
        (Role.PROCESREGISSEUR, "other"): house_b.regisseur,
        (Role.PROCESREGISSEUR, "none"): make_user("regisseur-x", lone_zvh, Role.PROCESREGISSEUR),
        (Role.KETENPARTNER, "own"): world.politie,
        (Role.KETENPARTNER, "other"): house_b.politie,
        (Role.KETENPARTNER, "none"): make_user("lone", lone),
        (Role.PRIVACYFUNCTIONARIS, "own"): world.privacy,
        (Role.PRIVACYFUNCTIONARIS, "other"): make_user("fg-b", zvh_b, Role.PRIVACYFUNCTIONARIS),
        (Role.PRIVACYFUNCTIONARIS, "none"): make_user("fg-x", lone, Role.PRIVACYFUNCTIONARIS),
        (Role.BESTUURDER, "own"): make_user("burgemeester-a", gemeente_a, Role.BESTUURDER),
        (Role.BESTUURDER, "other"): make_user("burgemeester-b", gemeente_b, Role.BESTUURDER),
        (Role.BESTUURDER, "none"): make_user("burgemeester-x", gemeente_none, Role.BESTUURDER),
        (Role.BEHEERDER, "own"): make_user("beheer-a", zvh_a, Role.BEHEERDER),
        (Role.BEHEERDER, "other"): make_user("beheer-b", zvh_b, Role.BEHEERDER),
        (Role.BEHEERDER, "none"): make_user("beheer-x", lone, Role.BEHEERDER),
    }
    matrix = MatrixWorld(base=world, users=users, ids={"case_b": house_b.case.pk})
    mayor = users[(Role.BESTUURDER, "own")]

    case = world.case
    cats = services.categories_by_code
    pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\nxref\n0 1\ntrailer\n<<>>\nstartxref\n27\n%%EOF\n"
    contribution = services.contribution_add(
        case=case,
        by=world.politie,
        category=cats(["politie"])[0],
        text="Proces-verbaal, zie bijlage.",
        person=world.person,
        files=[check_upload(filename="pv.pdf", data=pdf, declared_type="application/pdf")],
    )
    matrix.ids["contribution"] = contribution.pk
    matrix.ids["attachment"] = contribution.attachments.get().pk
    matrix.ids["participation"] = world.participations["woning"].pk

    # A referral still waiting for triage, by the politie of house A.
    waiting = services.referral_submit(
        by=world.politie,
        house=house_a,
        persons=[world.person],
        reason="Nieuwe meldingen van overlast.",
        goal="Afstemmen met de partners.",
        person_informed=True,
    )
    matrix.ids["referral"] = waiting.pk

    (meeting,) = services.meeting_create(
        house=house_a,
        meeting_type=MeetingType.objects.get(code="casusoverleg"),
        starts_at=timezone.now() + datetime.timedelta(days=2),
        by=world.regisseur,
    )
    assert isinstance(meeting, Meeting)
    item = services.agenda_item_add(meeting=meeting, case=case, by=world.regisseur)
    attendee = services.attendee_invite(
        meeting=meeting, organisation=world.politie.organisation, by=world.regisseur
    )
    services.minutes_save(
        agenda_item=item,
        by=world.regisseur,
        text="Besproken: de overlast.",
        decisions="Huisbezoek.",
        expected_version=0,
    )
    matrix.ids.update(
        meeting=meeting.pk,
        agenda_item=item.pk,
        attendee=attendee.pk,
    )
    action = services.action_create(
        case=case,
        by=world.regisseur,
        description="Huisbezoek afleggen.",
        owner_organisation=world.politie.organisation,
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )
    matrix.ids["action"] = action.pk
    services.goal_add(
        case=case,
        domain=services.LifeDomain.objects.get(code="huisvesting"),
        description="Wonen blijft.",
        by=world.regisseur,
    )
    consent = consent_services.consent_record(
        case=case,
        person=world.person,
        organisations=[world.woning.organisation],
        categories=cats(["zorg"]),
        recorded_how="mondeling",
        by=world.regisseur,
        note="Mondeling gegeven in het gesprek.",
    )
    matrix.ids["consent"] = consent.pk
    matrix.ids["legal_basis"] = case.bases.filter(ended_at__isnull=True).first().pk

    # Break the glass by someone outside the matrix, so 'none' stays outside the case.
    stranger = make_user("vreemde", make_org("Wijkteam Zuid", "wijkteam"))
    services.break_glass_open(
        user=stranger,
        case=case,
        reason="Acute dreiging; de wijkagent heeft de gegevens nu nodig.",
        categories=[],
    )
    matrix.ids["review_item"] = ReviewItem.objects.latest("created_at").pk
    matrix.ids["break_glass"] = case.break_glass_uses.latest("created_at").pk

    def escalate() -> Any:
        return escalation_services.escalate(
            case=case,
            level=EscalationLevel.objects.get(code="bestuurlijk"),
            by=world.regisseur,
            reason="Patstelling tussen GGZ en woningcorporatie over de zorg.",
            organisations=[world.ggz.organisation],
            addressed_to="burgemeester",
            stalemate=True,
            solutions_discussed="Overleg gevoerd, geen oplossing.",
            urgency="Ontruiming over een week; spoed is nodig.",
        )

    first = escalate()
    directive = escalation_services.directive_issue(
        case=case,
        by=mayor,
        organisation=world.ggz.organisation,
        categories=cats(["basis", "zorg"]),
        consultation_expired="Alle niveaus doorlopen zonder partij die de regie neemt.",
        interests_weighed="Veiligheid van de buren tegen de autonomie van de organisaties.",
        proportionality="Alleen de regie wordt opgedragen; lichtere middelen faalden.",
        comply_by=datetime.date(2099, 1, 1),
        objection_route="Bezwaar binnen zes weken bij de burgemeester.",
    )
    matrix.ids["directive"] = directive.pk
    del first
    matrix.ids["escalation"] = escalate().pk  # a new stalemate, awaiting the bestuurder

    # A closed case of house A for the retention routes, with an extension to decide on.
    closed = open_case(
        house=house_a, regisseur=world.regisseur, referrer=world.politie, persons=[world.person],
        target=TargetGroup.objects.exclude(code="multiprobleem").first().code,
    )  # fmt: skip
    services.case_set_status(
        case=closed, status=Case.Status.CLOSED, closure_reason="doel_bereikt", by=world.regisseur
    )
    extension = retention.extension_request(
        case=closed,
        until=datetime.date(2099, 1, 1),
        reason="Strafzaak loopt nog; het dossier is nodig voor de rechtbank.",
        by=world.regisseur,
    )
    matrix.ids["closed_case"] = closed.pk
    matrix.ids["extension"] = extension.pk

    request = subject_requests.request_intake(
        kind="inzage",
        bsn="111222333",
        description="Wat is er over mij vastgelegd?",
        identity_checked="paspoort",
        by=world.politie,
    )
    matrix.ids["subject_request"] = request.pk
    matrix.ids["task"] = request.tasks.get(organisation=world.politie.organisation).pk
    return matrix
