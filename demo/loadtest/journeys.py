"""The virtual users: one thread each, logged in as its own user, walking the common
journeys of its role until the deadline.

Routes are named after Django's URL names (``caseroom:case_detail``, ``v1:person-check``),
never raw URLs with ids, so latencies group per endpoint. Every answer is checked: the
expected status, the page's heading or the JSON's shape, and need-to-know (no case outside
the user's visible set, no contribution in a category not granted). Cases opened during the
run (a partner refers, a procesregisseur accepts) are checked against the ``Registry`` once
the run is over.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, NoReturn

from demo.loadtest.client import JourneyError, Response, Session, html, json_body
from demo.loadtest.stats import Recorder
from demo.loadtest.totp import TotpKey

CASE_LINK = re.compile(r'href="/casussen/(\d+)/"')
TRIAGE_LINK = re.compile(r'href="/casussen/triage/([0-9a-f-]{36})/"')
REFERRAL_LOCATION = re.compile(r"^/casussen/aanmeldingen/([0-9a-f-]{36})/$")
CASE_LOCATION = re.compile(r"^/casussen/(\d+)/")
CASE_HEADING = re.compile(r">Casus ([^<\s]+)</h1>")
HOUSE_SELECT = re.compile(r'<select name="house"[^>]*>(.*?)</select>', re.S)
HOUSE_OPTION = re.compile(r'<option value="(\d+)"')
CATEGORY_SELECT = re.compile(r'<select name="inbreng-category"[^>]*>(.*?)</select>', re.S)
ACTION_FORM = re.compile(r'action="/casussen/afspraken/([0-9a-f-]{36})/status/"')
OPTION_VALUE = re.compile(r'<option value="([a-z-]+)"')
PURPOSES = ("signal", "referral", "coordinate-care")  # caseroom.serializers.CheckPurpose
TARGETS = ("multiprobleem", "verward-gedrag", "huiselijk-geweld", "nazorg")
REFERRAL_REASON = (
    "Melding na incident in de wijk: overlast, zorgen over de veiligheid van huisgenoten en "
    "meerdere instanties betrokken zonder afstemming. (belastingtest)"
)
CONTRIBUTION_TEXT = (
    "Terugkoppeling na huisbezoek: afspraken besproken, vervolgafspraak over twee weken. "
    "(belastingtest)"
)


class Finished(Exception):
    """The deadline passed: stop without counting anything."""


class HitBudget:
    """Client-side respect for the hit/no-hit rate limit: at most ``limit - margin``
    questions in any window of ``period`` seconds, so a 429 is always an error."""

    def __init__(self, limit: int, period: float, margin: int = 2) -> None:
        self.allowed = max(0, limit - margin)
        self.period = period
        self.asked: deque[float] = deque()

    def take(self) -> bool:
        now = time.monotonic()
        while self.asked and now - self.asked[0] >= self.period:
            self.asked.popleft()
        if len(self.asked) >= self.allowed:
            return False
        self.asked.append(now)
        return True


class Registry:
    """What the virtual users changed together: referrals made and cases opened during the
    run, and case ids seen in lists before their opening was known here (checked after)."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self.referral_org = {r["id"]: r["organisation"] for r in manifest["pending_referrals"]}
        self.opened: dict[int, tuple[str, str]] = {}  # case id: number, referral id
        self.seen: set[tuple[str, str, int]] = set()  # role, organisation, case id
        self.referrals = 0

    def referred(self, referral_id: str, organisation: str) -> None:
        with self._lock:
            self.referral_org[referral_id] = organisation
            self.referrals += 1

    def open(self, case_id: int, number: str, referral_id: str) -> None:
        with self._lock:
            self.opened[case_id] = (number, referral_id)

    def number(self, case_id: int) -> str | None:
        with self._lock:
            found = self.opened.get(case_id)
        return found[0] or None if found else None

    def saw(self, role: str, organisation: str, case_id: int) -> None:
        with self._lock:
            self.seen.add((role, organisation, case_id))

    def problems(self) -> list[str]:
        """Need-to-know for the cases opened during the run: the house sees them all, a
        partner only those its own organisation referred."""
        found = []
        for role, organisation, case_id in sorted(self.seen):
            opened = self.opened.get(case_id)
            if opened is None:
                found.append(f"{role} ({organisation}) zag onbekende casus {case_id}")
            elif role != "regisseur" and self.referral_org.get(opened[1]) != organisation:
                found.append(f"{role} ({organisation}) zag casus {case_id} van een ander")
        return found


class VirtualUser:
    role = ""

    def __init__(
        self,
        *,
        number: int,
        host: str,
        port: int,
        recorder: Recorder,
        account: dict[str, Any],
        manifest: dict[str, Any],
        think: float,
        deadline: float,
        stop: threading.Event,
        hit_limit: tuple[int, float],
        registry: Registry,
    ) -> None:
        self.number = number
        self.registry = registry
        self.account = account
        self.manifest = manifest
        self.recorder = recorder
        self.rng = random.Random(number)  # noqa: S311 - think times and choices, no secrets
        self.think = think
        self.deadline = deadline
        self.stop = stop
        self.budget = HitBudget(*hit_limit)
        self.session = Session(
            host, port, recorder, client_ip=f"10.64.{number // 200}.{number % 200 + 1}"
        )
        self.visible: list[int] = list(account.get("visible_cases", []))
        self.categories: dict[str, list[str]] = account.get("categories", {})
        self.case_numbers: dict[str, str] = manifest["case_numbers"]
        self.journeys = 0
        self.logins = 0

    # --- plumbing -------------------------------------------------------------------------

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0 and self.stop.wait(min(seconds, max(0.0, self.remaining()))):
            raise Finished
        if self.remaining() <= 0:
            raise Finished

    def pause(self) -> None:
        self.sleep(self.rng.uniform(0, 2 * self.think))

    def call(self, method: str, path: str, route: str, **kwargs: Any) -> Response:
        if self.stop.is_set() or self.remaining() <= 0:
            raise Finished
        response = self.session.request(method, path, f"{method} {route}", **kwargs)
        self.pause()
        return response

    def get(self, path: str, route: str, **kwargs: Any) -> Response:
        return self.call("GET", path, route, **kwargs)

    def fail(self, route: str, message: str) -> NoReturn:
        self.recorder.fail(route, "content", message)
        raise JourneyError(route)

    def run(self) -> None:
        try:
            while True:
                try:
                    self.start()
                    self.landing()
                    while True:
                        self.pick()()
                        self.journeys += 1
                except JourneyError:
                    # Start afresh, as a person would after an error page: a new session.
                    self.session.close()
                    self.session.cookies.clear()
                    self.pause()
        except Finished:
            pass
        finally:
            self.session.close()

    def start(self) -> None:
        """Whatever must happen before the journeys (a login)."""

    def landing(self) -> None:
        """The first thing the role does after starting (its usual first page)."""

    def journeys_by_weight(self) -> list[tuple[Callable[[], None], float]]:
        raise NotImplementedError

    def pick(self) -> Callable[[], None]:
        options = self.journeys_by_weight()
        journeys, weights = zip(*options, strict=True)
        return self.rng.choices(journeys, weights=weights)[0]

    # --- checks ---------------------------------------------------------------------------

    def case_number(self, case_id: int) -> str | None:
        return self.case_numbers.get(str(case_id)) or self.registry.number(case_id)

    def outside_need_to_know(self, ids: set[int]) -> list[int]:
        """Listed cases the user should not see. A case opened during the run is noted and
        judged when the run is over (its opening may not be registered yet)."""
        outside = []
        for case_id in ids - set(self.visible):
            if str(case_id) in self.case_numbers:
                outside.append(case_id)
            else:
                self.registry.saw(self.role, self.account["organisation"], case_id)
        return sorted(outside)

    def listed_cases(self, response: Response, route: str) -> list[int]:
        ids = sorted({int(found) for found in CASE_LINK.findall(response.text)})
        outside = self.outside_need_to_know(set(ids))
        if outside:
            self.fail(route, f"casussen buiten need-to-know in de lijst: {outside[:5]}")
        if self.visible and not ids:
            self.fail(route, "geen enkele casus in de lijst")
        return ids

    def api_case_list(self, data: Any) -> str:
        if not isinstance(data, dict) or "results" not in data:
            return "geen gepagineerde lijst"
        outside = self.outside_need_to_know({item["id"] for item in data["results"]})
        if outside:
            return f"casussen buiten need-to-know: {outside[:5]}"
        if not isinstance(data.get("count"), int) or data["count"] < len(self.visible):
            return f"count {data.get('count')}, minstens {len(self.visible)} verwacht"
        return ""

    def contribution_list(self, case_id: int) -> Callable[[Any], str]:
        known = str(case_id) in self.categories
        granted = set(self.categories.get(str(case_id), []))
        own = self.account.get("organisation")

        def inspect(data: Any) -> str:
            if not isinstance(data, dict) or "results" not in data:
                return "geen gepagineerde lijst"
            if not known:  # opened during the run: no contributions of others yet
                return ""
            for item in data["results"]:
                if item["category"] not in granted and item["organisation"]["name"] != own:
                    return f"inbreng in niet-toegekende categorie {item['category']!r}"
            return ""

        return inspect

    # --- shared journeys ------------------------------------------------------------------

    def open_case(self, case_id: int) -> Response:
        number = self.case_number(case_id)
        return self.get(
            f"/casussen/{case_id}/",
            "caseroom:case_detail",
            check=html(f"Casus {number}" if number else "Casus "),
            audited=True,
        )

    def read_contributions(self, case_id: int) -> None:
        self.get(
            f"/api/v1/cases/{case_id}/contributions/",
            "v1:contribution-list",
            check=json_body(self.contribution_list(case_id)),
            audited=True,
        )

    def api_cases(self) -> None:
        self.get(
            "/api/v1/cases/", "v1:case-list", check=json_body(self.api_case_list), audited=True
        )
        if self.visible:
            case_id = self.rng.choice(self.visible)
            number = self.case_numbers[str(case_id)]
            self.get(
                f"/api/v1/cases/{case_id}/",
                "v1:case-detail",
                check=json_body(lambda d: "" if d.get("number") == number else "verkeerde casus"),
                audited=True,
            )
            self.read_contributions(case_id)

    def hit_check(self) -> None:
        if not self.budget.take():
            return
        hit = self.rng.random() < 0.5
        bsn = self.rng.choice(self.manifest["hit_bsns" if hit else "miss_bsns"])

        def inspect(data: Any) -> str:
            if data.get("hit") is not hit:
                return f"hit={data.get('hit')!r}, verwacht {hit}"
            if hit and not data.get("contact", {}).get("house"):
                return "hit zonder contactgegevens"
            return ""

        self.call(
            "POST",
            "/api/v1/persons/check/",
            "v1:person-check",
            payload={"bsn": bsn, "purpose": self.rng.choice(PURPOSES)},
            check=json_body(inspect),
            audited=True,
        )


class StaffMember(VirtualUser):
    """A member of staff with a browser: password and second factor, then pages and the
    API through the verified session."""

    relogin_every = 25

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.totp = TotpKey.from_manifest(self.account["totp"])
        self.last_counter = -1

    def code(self) -> str:
        """A code the device has not accepted yet (django-otp accepts each step once)."""
        while True:
            counter = self.totp.counter()
            # Not in the last moments of a step: the server's clock might already be past it.
            if counter > self.last_counter and self.totp.seconds_left() > 2:
                self.last_counter = counter
                return self.totp.code(counter)
            self.sleep(self.totp.seconds_left() + 0.2)

    def start(self) -> None:
        self.login()

    def login(self) -> None:
        self.session.cookies.clear()
        self.get("/inloggen/", "partners:login", check=html("Inloggen"))
        done = self.call(
            "POST",
            "/inloggen/",
            "partners:login",
            form={
                "csrfmiddlewaretoken": self.session.csrf,
                "username": self.account["username"],
                "password": self.account["password"],
                "next": "/",
            },
            expect=(302,),
        )
        if done.location != "/":
            self.fail("POST partners:login", f"doorgestuurd naar {done.location!r}")
        # The start page sends a person without second factor on to /tweede-factor/.
        self.get("/tweede-factor/", "partners:two_factor", check=html("authenticator"))
        code = self.code()
        verified = self.call(
            "POST",
            "/tweede-factor/",
            "partners:two_factor",
            form={"csrfmiddlewaretoken": self.session.csrf, "token": code, "next": "/"},
            expect=(302,),
        )
        if verified.location != "/":
            self.fail("POST partners:two_factor", f"doorgestuurd naar {verified.location!r}")
        self.home()
        self.logins += 1

    def logout_and_login(self) -> None:
        self.call(
            "POST",
            "/uitloggen/",
            "partners:logout",
            form={"csrfmiddlewaretoken": self.session.csrf},
            expect=(302,),
        )
        self.login()

    def home(self) -> None:
        self.get("/", "partners:home", check=html("Welkom"))

    def pick(self) -> Callable[[], None]:
        if self.journeys and self.journeys % self.relogin_every == 0:
            self.journeys += 1
            return self.logout_and_login
        return super().pick()

    def browse_cases(self) -> None:
        listing = self.get(
            "/casussen/", "caseroom:case_list", check=html("Mijn casussen"), audited=True
        )
        ids = self.listed_cases(listing, "GET caseroom:case_list")
        if ids:
            case_id = self.rng.choice(ids)
            self.open_case(case_id)
            self.read_contributions(case_id)

    def my_actions(self) -> None:
        self.get(
            "/casussen/afspraken/",
            "caseroom:my_actions",
            check=html("Mijn afspraken"),
            audited=True,
        )

    def case_out_of_reach(self) -> None:
        """A case the organisation does not take part in: 404, like a missing one."""
        others = sorted(set(map(int, self.case_numbers)) - set(self.visible))
        if not others:
            return
        self.get(
            f"/casussen/{self.rng.choice(others)}/",
            "caseroom:case_detail (geen toegang)",
            expect=(404,),
            audited=True,
        )


class Partner(StaffMember):
    role = "partner"

    def landing(self) -> None:
        self.browse_cases()

    def journeys_by_weight(self) -> list[tuple[Callable[[], None], float]]:
        return [
            (self.browse_cases, 4),
            (self.my_actions, 2),
            (self.api_cases, 2),
            (self.hit_check, 1),
            (self.home, 1),
            (self.contribute, 0.5),
            (self.update_action, 0.5),
            (self.refer, 0.4),
            (self.case_out_of_reach, 0.5),
        ]

    def refer(self) -> None:
        """Refer a person to the house through the form; partners may name the same new
        person at about the same moment (the house must register that person once)."""
        form = self.get(
            "/casussen/aanmelden/",
            "caseroom:referral_create",
            check=html("Aanmelden bij het Zorg- en Veiligheidshuis"),
        )
        select = HOUSE_SELECT.search(form.text)
        houses = HOUSE_OPTION.findall(select.group(1)) if select else []
        if not houses:
            self.fail("GET caseroom:referral_create", "geen Zorg- en Veiligheidshuis te kiezen")
        person = self.rng.choice(self.manifest["referral_persons"])
        sent = self.call(
            "POST",
            "/casussen/aanmelden/",
            "caseroom:referral_create",
            form={
                "csrfmiddlewaretoken": self.session.csrf,
                "house": houses[0],
                "reason": REFERRAL_REASON,
                "goal": "Eén gezamenlijke aanpak met een regiehouder.",
                "person_informed": "ja",
                "not_informed_reason": "",
                "personen-TOTAL_FORMS": "1",
                "personen-INITIAL_FORMS": "0",
                "personen-MIN_NUM_FORMS": "1",
                "personen-MAX_NUM_FORMS": "10",
                "personen-0-surname": person["surname"],
                "personen-0-given_names": person["given_names"],
                "personen-0-bsn": person["bsn"],
                "personen-0-birth_date": person["birth_date"],
            },
            expect=(302,),
            referer=f"{self.session.origin}/casussen/aanmelden/",
        )
        found = REFERRAL_LOCATION.match(sent.location)
        if not found:
            self.fail("POST caseroom:referral_create", f"doorgestuurd naar {sent.location!r}")
        self.registry.referred(found.group(1), self.account["organisation"])
        self.get(
            sent.location,
            "caseroom:referral_detail",
            check=html("Uw aanmelding is ingediend."),
            audited=True,
        )

    def update_action(self) -> None:
        """Report progress on one of the organisation's afspraken (colleagues may update
        the same one at the same moment)."""
        page = self.get(
            "/casussen/afspraken/",
            "caseroom:my_actions",
            check=html("Mijn afspraken"),
            audited=True,
        )
        actions = ACTION_FORM.findall(page.text)
        if not actions:
            return
        action_id = self.rng.choice(actions[:5])  # open ones come first
        prefix = f"status-{action_id}"
        saved = self.call(
            "POST",
            f"/casussen/afspraken/{action_id}/status/",
            "caseroom:action_status",
            form={
                "csrfmiddlewaretoken": self.session.csrf,
                f"{prefix}-status": self.rng.choice(("open", "in_uitvoering")),
                f"{prefix}-note": "Voortgang besproken in het teamoverleg (belastingtest).",
                f"{prefix}-obstacle": "",
            },
            expect=(302,),
            referer=f"{self.session.origin}/casussen/afspraken/",
        )
        if not saved.location.startswith("/casussen/afspraken/"):
            self.fail("POST caseroom:action_status", f"doorgestuurd naar {saved.location!r}")
        self.get(
            "/casussen/afspraken/",
            "caseroom:my_actions",
            check=html("De status van de afspraak is nu"),
            audited=True,
        )

    def contribute(self) -> None:
        """Bring in information on a case page, as in the browser (multipart form)."""
        if not self.visible:
            return
        case_id = self.rng.choice(self.visible)
        page = self.open_case(case_id)
        number = self.case_numbers[str(case_id)]
        select = CATEGORY_SELECT.search(page.text)
        codes = OPTION_VALUE.findall(select.group(1)) if select else []
        if not codes:
            return  # no category of its own in this case (e.g. only through the house)
        route = "caseroom:contribution_add"
        saved = self.call(
            "POST",
            f"/casussen/{case_id}/inbreng/",
            route,
            multipart={
                "csrfmiddlewaretoken": self.session.csrf,
                "inbreng-category": self.rng.choice(codes),
                "inbreng-person": "",
                "inbreng-text": CONTRIBUTION_TEXT,
            },
            expect=(302,),
            referer=f"{self.session.origin}/casussen/{case_id}/",
        )
        if not saved.location.startswith(f"/casussen/{case_id}/"):
            self.fail(f"POST {route}", f"doorgestuurd naar {saved.location!r}")
        self.get(
            f"/casussen/{case_id}/",
            "caseroom:case_detail",
            check=html(f"Casus {number}", "Uw inbreng is toegevoegd."),
            audited=True,
        )


class Regisseur(StaffMember):
    role = "regisseur"

    def landing(self) -> None:
        self.triage()

    def journeys_by_weight(self) -> list[tuple[Callable[[], None], float]]:
        return [
            (self.triage, 3),
            (self.browse_cases, 3),
            (self.week, 1),
            (self.meetings, 1),
            (self.stalls, 1),
            (self.referrals, 1),
            (self.hit_check, 1),
            (self.my_actions, 0.5),
        ]

    def triage(self) -> None:
        """Look at the queue and a referral in it; decide about half of them. A colleague
        may decide the same referral first: then the page says so."""
        queue = self.get(
            "/casussen/triage/",
            "caseroom:triage_queue",
            check=html("Aanmeldingen voor triage"),
            audited=True,
        )
        listed = TRIAGE_LINK.findall(queue.text)
        if not listed:
            return  # everything decided; partners refer more
        referral = self.rng.choice(listed)
        path = f"/casussen/triage/{referral}/"
        page = self.get(path, "caseroom:triage", expect=(200, 302), audited=True)
        if page.status == 302:
            if page.location != f"/casussen/aanmeldingen/{referral}/":
                self.fail("GET caseroom:triage", f"doorgestuurd naar {page.location!r}")
            return  # decided by a colleague in the meantime
        if "Aanmelding beoordelen" not in page.text:
            self.fail("GET caseroom:triage", "'Aanmelding beoordelen' ontbreekt op de pagina")
        if self.rng.random() < 0.5:
            return
        decided = self.call(
            "POST",
            path,
            "caseroom:triage",
            form={
                "csrfmiddlewaretoken": self.session.csrf,
                "criterion_domains": "on",
                "criterion_chains": "on",
                "criterion_system": "on",
                "decision": "geaccepteerd",
                "target_group": self.rng.choice(TARGETS),
                "note": "",
            },
            expect=(200, 302),
            referer=f"{self.session.origin}{path}",
        )
        # A colleague decided first: before this request (back to the referral) or during
        # it (the form says so).
        if decided.status == 200:
            if "Over deze aanmelding is al besloten" not in decided.text:
                self.fail("POST caseroom:triage", "niet besloten, zonder reden")
            return
        if decided.location == f"/casussen/aanmeldingen/{referral}/":
            return
        found = CASE_LOCATION.match(decided.location)
        if not found:
            self.fail("POST caseroom:triage", f"doorgestuurd naar {decided.location!r}")
        case_id = int(found.group(1))
        # Known from here on, before its page is read: the run may end before that request,
        # while others may list the case already.
        self.registry.open(case_id, "", referral)
        opened = self.get(
            decided.location,
            "caseroom:case_detail",
            check=html("is geopend"),
            audited=True,
        )
        heading = CASE_HEADING.search(opened.text)
        if not heading:
            self.fail("GET caseroom:case_detail", "geen casusnummer in de kop")
        self.registry.open(case_id, heading.group(1), referral)

    def week(self) -> None:
        self.get("/casussen/week/", "caseroom:week", check=html("Mijn week"))

    def meetings(self) -> None:
        self.get("/casussen/overleggen/", "caseroom:meeting_list", check=html("Casusoverleggen"))

    def stalls(self) -> None:
        self.get(
            "/escalaties/vastgelopen/", "escalation:stalls", check=html("Vastgelopen casussen")
        )

    def referrals(self) -> None:
        pending = len(self.manifest["pending_referrals"])

        def inspect(data: Any) -> str:
            count = data.get("count", -1) if isinstance(data, dict) else -1
            return "" if count >= pending else f"count {count}, minstens {pending} verwacht"

        self.get("/api/v1/referrals/", "v1:referral-list", check=json_body(inspect))


class PrivacyOfficer(StaffMember):
    role = "privacy"

    def landing(self) -> None:
        self.dashboard()

    def journeys_by_weight(self) -> list[tuple[Callable[[], None], float]]:
        return [
            (self.dashboard, 2),
            (self.events, 2),
            (self.reviews, 1),
            (self.retention, 1),
            (self.subject_requests, 1),
            (self.api_events, 2),
            (self.api_anomalies, 1),
        ]

    def dashboard(self) -> None:
        self.get("/toezicht/", "audit:dashboard", check=html("Toezicht op toegang"), audited=True)

    def events(self) -> None:
        self.get("/toezicht/toegang/", "audit:events", check=html("Wie zag wat"), audited=True)

    def reviews(self) -> None:
        self.get("/toezicht/beoordelingen/", "audit:reviews", check=html("Beoordelingen"))

    def retention(self) -> None:
        self.get("/gegevens/bewaartermijnen/", "consent:retention", check=html("Bewaartermijnen"))

    def subject_requests(self) -> None:
        self.get(
            "/gegevens/verzoeken/",
            "consent:subject_requests",
            check=html("Verzoeken van betrokkenen"),
        )

    def api_events(self) -> None:
        self.get(
            "/api/v1/audit/events/",
            "v1:audit-events",
            check=json_body(lambda d: "" if d.get("results") else "geen gebeurtenissen"),
            audited=True,
        )

    def api_anomalies(self) -> None:
        self.get("/api/v1/audit/anomalies/", "v1:audit-anomalies", check=json_body())


class ServiceAccount(VirtualUser):
    """A partner's system on the API with its token, asking on behalf of a colleague."""

    role = "service"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session.token = self.account["token"]
        self.session.on_behalf_of = f"medewerker-{self.number:03d}"

    def landing(self) -> None:
        self.me()

    def journeys_by_weight(self) -> list[tuple[Callable[[], None], float]]:
        return [
            (self.me, 1),
            (self.api_cases, 4),
            (self.actions, 2),
            (self.hit_check, 1),
        ]

    def me(self) -> None:
        username = self.account["username"]
        self.get(
            "/api/v1/me/",
            "v1:me",
            check=json_body(lambda d: "" if d.get("username") == username else "ander account"),
        )

    def actions(self) -> None:
        self.get(
            "/api/v1/actions/?mine=1",
            "v1:action-list",
            check=json_body(lambda d: "" if "results" in d else "geen gepagineerde lijst"),
            audited=True,
        )


PERSONAS: dict[str, type[VirtualUser]] = {
    "partner": Partner,
    "regisseur": Regisseur,
    "privacy": PrivacyOfficer,
    "service": ServiceAccount,
}
