"""Four journeys through the real Dutch pages in Chromium, each as the user would go: the
procesregisseur from referral to agreement, a partner who completes an agreement, the
privacy officer who closes a break-the-glass review, and the bestuurder's directive."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from playwright.sync_api import LocatorAssertions, Page, expect

from audit.models import ReviewItem
from caseroom import services
from caseroom.models import Action, ActionEvent, AgendaItem, Case, Meeting, Minutes, Referral
from escalation import services as escalation_services
from escalation.models import Directive, Escalation, EscalationLevel
from partners.roles import Role
from persons.services import person_create
from tests.browser.conftest import Browse, account, log_in, requires_chromium, success
from tests.caseroom.conftest import World, make_org, make_user

pytestmark = requires_chromium


def heading(page: Page) -> LocatorAssertions:
    return expect(page.get_by_role("heading", level=1))


def test_procesregisseur_triages_prepares_the_meeting_and_records_an_agreement(
    world: World, browse: Browse
) -> None:
    person = person_create(
        surname="Bakker", given_names="Joost", birth_date=datetime.date(1981, 4, 9)
    )
    referral = services.referral_submit(
        by=world.woning,
        house=world.house,
        persons=[person],
        reason="Huurachterstand, overlast en dreigende ontruiming; zorg wordt afgehouden.",
        goal="Ontruiming voorkomen met een gezamenlijke aanpak.",
        person_informed=True,
    )
    regisseur = account(world.regisseur)
    meeting_day = timezone.localdate() + datetime.timedelta(days=7)
    due = timezone.localdate() + datetime.timedelta(days=21)
    seen: dict[str, str] = {}

    def steps(page: Page) -> None:
        log_in(page, regisseur)
        page.get_by_role("link", name="Aanmeldingen voor triage").click()
        heading(page).to_have_text("Aanmeldingen voor triage")
        row = page.get_by_role("row").filter(has_text="Joost Bakker")
        expect(row).to_contain_text("Woonstichting De Kade")
        row.get_by_role("link", name="Beoordelen").click()

        heading(page).to_have_text("Aanmelding beoordelen")
        page.get_by_label("1. Problemen op meerdere leefgebieden").check()
        page.get_by_label("2. Ketenoverstijgende samenwerking").check()
        page.get_by_label("3. De problemen hangen samen met het gezin").check()
        page.get_by_label("Accepteren: casus openen voor het casusoverleg").check()
        page.get_by_label("Doelgroep").select_option(label="Multiprobleemgezinnen")
        page.get_by_role("button", name="Besluit vastleggen").click()

        expect(success(page)).to_contain_text("De aanmelding is geaccepteerd: casus")
        found = re.search(r"casus (\S+) is geopend", success(page).inner_text())
        assert found is not None
        number = seen["number"] = found.group(1)
        heading(page).to_have_text(f"Casus {number}")

        page.get_by_role("link", name="Overleggen").click()
        page.get_by_role("link", name="Overleg plannen").click()
        heading(page).to_have_text("Overleg plannen")
        page.get_by_label("Soort overleg").select_option(label="Casusoverleg")
        page.get_by_label("Datum en tijd").fill(f"{meeting_day.isoformat()}T14:00")
        page.get_by_label("Plaats").fill("Stadhuis, zaal 3")
        page.get_by_role("button", name="Plannen").click()

        expect(success(page)).to_have_text("Het overleg is gepland.")
        heading(page).to_contain_text("voorbereiden")
        page.get_by_label("Casus", exact=True).select_option(label=number)
        page.get_by_label("Vraag aan het overleg").fill("Wie neemt de schuldhulp op zich?")
        page.get_by_role("button", name="Op de agenda zetten").click()
        expect(success(page)).to_have_text(f"Casus {number} staat op de agenda.")
        agenda = page.locator("#agenda ol")
        expect(agenda).to_contain_text(number)
        expect(agenda).to_contain_text("Wie neemt de schuldhulp op zich?")
        page.get_by_label("Organisatie", exact=True).select_option(label="Woonstichting De Kade")
        page.get_by_role("button", name="Uitnodigen").click()
        expect(success(page)).to_have_text("Woonstichting De Kade is uitgenodigd.")
        expect(page.locator("#deelnemers table")).to_contain_text("Woonstichting De Kade")

        page.get_by_role("link", name="Naar het overleg").click()
        heading(page).to_contain_text("Casusoverleg van")
        item = page.locator("section.app-agenda-item").filter(has_text=f"casus {number}")
        expect(item.get_by_role("heading", level=2)).to_have_text(f"Agendapunt 1: casus {number}")
        expect(item).to_contain_text("Joost Bakker")
        item.get_by_label("Verslag", exact=True).fill(
            "Besproken: huurachterstand van drie maanden; de bewoner wil meewerken."
        )
        item.get_by_label("Besluiten").fill("Woonstichting biedt een betalingsregeling aan.")
        item.get_by_role("button", name="Verslag opslaan").click()
        expect(success(page)).to_have_text("Het verslag is opgeslagen.")

        item.locator("summary", has_text="Afspraak vastleggen uit een besluit").click()
        item.get_by_label("Afspraak", exact=True).fill("Betalingsregeling aanbieden")
        item.get_by_label("Uitvoerende organisatie").select_option(label="Woonstichting De Kade")
        item.get_by_label("Uiterlijk op").fill(due.isoformat())
        item.get_by_role("button", name="Afspraak vastleggen").click()

        expect(success(page)).to_have_text("De afspraak voor Woonstichting De Kade is vastgelegd.")
        agreements = item.locator("ul").filter(has_text="Betalingsregeling aanbieden")
        expect(agreements).to_contain_text("Woonstichting De Kade")
        expect(agreements).to_contain_text("open")
        expect(item.get_by_role("heading", level=3, name="Verslag")).to_contain_text("versie 1")

    browse("1-procesregisseur-triage-overleg-afspraak", steps)

    referral.refresh_from_db()
    case = Case.objects.get(referral=referral)
    assert referral.status == Referral.Status.ACCEPTED
    assert case.number == seen["number"] and case.target_group.code == "multiprobleem"
    meeting = Meeting.objects.get(house=world.house)
    assert meeting.location == "Stadhuis, zaal 3"
    assert timezone.localtime(meeting.starts_at).date() == meeting_day
    item = AgendaItem.objects.get(meeting=meeting)
    assert item.case == case and item.question == "Wie neemt de schuldhulp op zich?"
    minutes = Minutes.objects.get(agenda_item=item)
    assert minutes.text.startswith("Besproken: huurachterstand") and minutes.version == 1
    action = Action.objects.get(case=case)
    assert action.description == "Betalingsregeling aanbieden"
    assert action.owner_organisation == world.woning.organisation
    assert (action.status, action.due_date, action.agenda_item) == (Action.Status.OPEN, due, item)
    assert meeting.attendees.filter(organisation=world.woning.organisation).count() == 1


def test_a_partner_completes_an_agreement_from_my_agreements(world: World, browse: Browse) -> None:
    due = timezone.localdate() + datetime.timedelta(days=14)
    mine = services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huurachterstand bespreken met de bewoner",
        owner_organisation=world.woning.organisation,
        due_date=due,
    )
    theirs = services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huisbezoek door de wijkagent",
        owner_organisation=world.politie.organisation,
        due_date=due,
    )
    woning = account(world.woning)

    def steps(page: Page) -> None:
        log_in(page, woning)
        page.get_by_role("link", name="Mijn afspraken").click()
        heading(page).to_have_text("Mijn afspraken")
        expect(page.locator("main")).not_to_contain_text("Huisbezoek door de wijkagent")
        card = page.locator("article").filter(has_text="Huurachterstand bespreken")
        expect(card).to_contain_text(f"Casus {world.case.number}")
        expect(card.locator(".app-flag")).to_have_text("open")
        card.locator("summary", has_text="Status bijwerken").click()
        card.get_by_label("Status").select_option(label="afgerond")
        card.get_by_label("Toelichting").fill(
            "Betalingsregeling getroffen; eerste termijn betaald."
        )
        card.get_by_role("button", name="Status opslaan").click()

        expect(success(page)).to_have_text("De status van de afspraak is nu: afgerond.")
        expect(page.get_by_role("heading", level=2)).to_have_text("Afgesloten afspraken")
        card = page.locator("article").filter(has_text="Huurachterstand bespreken")
        expect(card.locator(".app-flag")).to_have_text("afgerond")
        expect(card).to_contain_text("Betalingsregeling getroffen; eerste termijn betaald.")
        card.locator("summary", has_text="Geschiedenis").click()
        expect(card.locator(".app-timeline")).to_contain_text("open → afgerond")

    browse("2-partner-afspraak-afgerond", steps)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Action.Status.DONE
    assert mine.note == "Betalingsregeling getroffen; eerste termijn betaald."
    assert theirs.status == Action.Status.OPEN
    change = ActionEvent.objects.get(action=mine, new_status=Action.Status.DONE)
    assert (change.actor, change.old_status) == (world.woning, Action.Status.OPEN)


def test_the_privacy_officer_closes_a_break_the_glass_review(world: World, browse: Browse) -> None:
    services.break_glass_open(
        user=world.outsider,
        case=world.case,
        reason="Melding van acuut gevaar voor de kinderen; het wijkteam moet nu handelen.",
        categories=[],
    )
    item = ReviewItem.objects.get(rule="break_glass")
    assert item.status == ReviewItem.Status.OPEN
    privacy = account(world.privacy)

    def steps(page: Page) -> None:
        log_in(page, privacy)
        page.get_by_role("link", name="Beoordelingen").click()
        heading(page).to_have_text("Beoordelingen")
        row = page.get_by_role("row").filter(has_text="buiten")
        expect(row).to_contain_text("Wijkteam Noord")
        expect(row).to_contain_text("open")
        row.get_by_role("link").click()

        expect(page.locator(".app-facts")).to_contain_text("Wijkteam Noord")
        expect(page.locator(".app-facts")).to_contain_text("acuut gevaar voor de kinderen")
        page.get_by_label("Status").select_option(label="in onderzoek")
        page.get_by_role("button", name="Vastleggen").click()
        expect(success(page)).to_have_text("De beoordeling is vastgelegd.")
        expect(page.locator(".app-facts")).to_contain_text("in onderzoek")

        page.get_by_label("Status").select_option(label="ongegrond (terecht gebruik)")
        page.get_by_role("button", name="Vastleggen").click()
        expect(page.locator(".utrecht-form-field-error-message")).to_contain_text(
            "Leg de bevindingen vast bij het afronden."
        )
        page.get_by_label("Bevindingen").fill(
            "Navraag bij het wijkteam: de melding kwam via de school; inzage was nodig."
        )
        page.get_by_role("button", name="Vastleggen").click()
        expect(success(page)).to_have_text("De beoordeling is vastgelegd.")
        expect(page.locator(".app-facts")).to_contain_text("ongegrond (terecht gebruik)")
        expect(page.locator(".app-facts")).to_contain_text("door privacy")

        # Closed items leave the default list; the filter "Alle" still finds it.
        page.get_by_role("navigation").get_by_role("link", name="Beoordelingen").click()
        expect(page.locator("main")).to_contain_text("Geen items met deze filters.")
        page.get_by_label("Status").select_option(label="Alle")
        page.get_by_role("button", name="Filteren").click()
        row = page.get_by_role("row").filter(has_text="buiten")
        expect(row).to_contain_text("ongegrond (terecht gebruik)")
        row.get_by_role("link").click()
        expect(page.locator(".app-facts")).to_contain_text("ongegrond (terecht gebruik)")
        expect(page.get_by_label("Bevindingen")).to_have_value(re.compile("^Navraag bij het"))

    browse("3-privacyfunctionaris-doorbraak-beoordeeld", steps)

    item.refresh_from_db()
    assert item.status == ReviewItem.Status.JUSTIFIED
    assert item.findings.startswith("Navraag bij het wijkteam")
    assert item.reviewed_by == world.privacy


def test_the_bestuurder_issues_a_directive_from_the_escalation_queue(
    world: World, browse: Browse
) -> None:
    mayor = make_user("burgemeester", make_org("Gemeente Rivierstad", "gemeente"), Role.BESTUURDER)
    escalation = escalation_services.escalate(
        case=world.case,
        level=EscalationLevel.objects.get(code="bestuurlijk"),
        by=world.regisseur,
        reason="Patstelling tussen GGZ en woningcorporatie over de zorg.",
        organisations=[world.ggz.organisation, world.woning.organisation],
        addressed_to="burgemeester",
        stalemate=True,
        solutions_discussed="Overleg op 12 november gevoerd, geen oplossing.",
        urgency="Ontruiming over een week; spoed is nodig.",
    )
    comply_by = timezone.localdate() + datetime.timedelta(days=14)
    bestuurder = account(mayor)

    def steps(page: Page) -> None:
        log_in(page, bestuurder)
        page.get_by_role("link", name="Escalaties voor een besluit").click()
        heading(page).to_have_text("Escalaties voor een besluit")
        card = page.locator("section.app-card").filter(has_text=world.case.number)
        expect(card).to_contain_text("patstelling")
        expect(card).to_contain_text("Patstelling tussen GGZ en woningcorporatie")
        card.locator("summary", has_text="Besluit doorzettingsmacht nemen").click()
        card.get_by_label("Aan te wijzen organisatie").select_option(label="GGZ Rivierenland")
        card.get_by_label("Basis (identiteit, adres, rol in casus)").check()
        card.get_by_label("Gezondheid en zorg").check()
        card.get_by_label("Waarom de redelijke overlegtermijn is verstreken").fill(
            "Alle niveaus zijn doorlopen; geen partij neemt de regie op de zorg."
        )
        card.get_by_label("Afgewogen belangen").fill(
            "Veiligheid van de buren en hulpverleners tegen de autonomie van de GGZ."
        )
        card.get_by_label("Waarom de maatregel evenredig is").fill("Evenredig.")
        card.get_by_label("Uiterste datum van naleving").fill(comply_by.isoformat())
        expect(card.get_by_label("Bezwaar en beroep")).to_contain_text("Binnen zes weken")
        card.get_by_role("button", name="Besluit nemen").click()

        # Too short a motivation: the form comes back open, with the Dutch reason.
        card = page.locator("section.app-card").filter(has_text=world.case.number)
        expect(card.locator(".utrecht-form-field-error-message")).to_contain_text(
            "Deze motivering is verplicht (minstens 30 tekens)."
        )
        card.get_by_label("Waarom de maatregel evenredig is").fill(
            "Alleen de regie wordt opgedragen; lichtere middelen zijn zonder resultaat beproefd."
        )
        card.get_by_role("button", name="Besluit nemen").click()

        expect(success(page)).to_have_text(f"Besluit genomen in {world.case.number}.")
        expect(page.locator("main")).to_contain_text("Er wachten geen escalaties op een besluit.")

    browse("4-bestuurder-doorzettingsmacht", steps)

    directive = Directive.objects.get(case=world.case)
    assert directive.organisation == world.ggz.organisation
    assert directive.comply_by == comply_by and directive.issued_by == mayor
    assert sorted(directive.categories.values_list("code", flat=True)) == ["basis", "zorg"]
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.RESOLVED
    world.case.refresh_from_db()
    assert world.case.lead_organisation == world.ggz.organisation
