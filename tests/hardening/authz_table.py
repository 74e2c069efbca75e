"""The declared outcome of every route × method × role × context (tests/hardening/
test_authz_matrix.py). Each row lists, per role, the outcome for the user whose organisation
takes part (own), one of another house (other) and one of an organisation with no part
anywhere (none), then the anonymous visitor.

Outcomes: ``ok`` (2xx, or a redirect other than to the login page; a web form shown again
with its errors is a 200), ``invalid`` (400/409: past the permission checks, stopped by
validation of the empty body a write is sent with), ``404`` (as if it did not exist), ``403``
(the role may not do this), ``401`` / ``login`` (not logged in), ``405`` (not served).

What the table says, in short:
- case content (cases, persons, contributions, meetings, actions, minutes, plans, bases):
  the procesregisseur of the house and partners taking part; everyone else 404;
- the privacy officer's console, subject requests' handling, retention: privacy officers;
  the procesregisseur for retention of the own house;
- escalation: the procesregisseur of the house; the bestuurder at the top level;
- configuration (organisations, the admin): the beheerder.
Lists (``/api/v1/cases/`` and the like) answer everyone who is logged in, filtered to what
each may see; the schemathesis check (test_fuzz.py) asks whether they leak.
The privacy officer and the bestuurder act for the whole installation (``other`` = ``own``):
see docs/security.md, "Tenancy".
"""

from __future__ import annotations

Outcomes = dict[str, str]
ADMIN_PREFIX = "/beheer/"

ALL = "ok ok ok"
OWN = "ok 404 404"
NO = "404 404 404"
REFUSED = "403 403 403"
INVALID = "invalid invalid invalid"
OWN_INVALID = "invalid 404 404"
NOT_SERVED = "405 405 405"


def row(
    procesregisseur: str,
    ketenpartner: str,
    privacyfunctionaris: str,
    bestuurder: str,
    beheerder: str,
    anonymous: str,
) -> Outcomes:
    return {
        "procesregisseur": procesregisseur,
        "ketenpartner": ketenpartner,
        "privacyfunctionaris": privacyfunctionaris,
        "bestuurder": bestuurder,
        "beheerder": beheerder,
        "anonymous": anonymous,
    }


EXPECTED: dict[str, dict[str, Outcomes]] = {
    "api-docs": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
    },
    "audit:dashboard": {
        "GET": row(NO, NO, ALL, NO, NO, "login"),
    },
    "audit:events": {
        "GET": row(NO, NO, ALL, NO, NO, "login"),
        "POST": row(NO, NO, ALL, NO, NO, "login"),
    },
    "audit:report": {
        "GET": row(NO, NO, ALL, NO, NO, "login"),
    },
    "audit:review_detail": {
        "GET": row(NO, NO, ALL, NO, NO, "login"),
        "POST": row(NO, NO, ALL, NO, NO, "login"),
    },
    "audit:reviews": {
        "GET": row(NO, NO, ALL, NO, NO, "login"),
    },
    "caseroom:action_create": {
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:action_status": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:agenda_item_add": {
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:attachment_download": {
        "GET": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:attendee_invite": {
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:attendee_present": {
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:break_glass": {
        "GET": row(ALL, ALL, NO, NO, NO, "login"),
        "POST": row(ALL, ALL, NO, NO, NO, "login"),
    },
    "caseroom:case_detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:case_lead": {
        "POST": row(OWN, "403 404 404", NO, NO, NO, "login"),
    },
    "caseroom:case_list": {
        "GET": row(ALL, ALL, NO, NO, NO, "login"),
    },
    "caseroom:case_person_add": {
        "GET": row(OWN, NO, NO, NO, NO, "login"),
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:case_person_address_add": {
        "GET": row(OWN, NO, NO, NO, NO, "login"),
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:case_person_edit": {
        "GET": row(OWN, NO, NO, NO, NO, "login"),
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:case_relation_add": {
        "GET": row(OWN, NO, NO, NO, NO, "login"),
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:case_status": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:contribution_add": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:meeting_create": {
        "GET": row("ok ok 404", NO, NO, NO, NO, "login"),
        "POST": row("ok ok 404", NO, NO, NO, NO, "login"),
    },
    "caseroom:meeting_detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:meeting_list": {
        "GET": row(ALL, ALL, NO, NO, NO, "login"),
    },
    "caseroom:meeting_pdf": {
        "GET": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:meeting_prepare": {
        "GET": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:meeting_sign": {
        "POST": row(NO, OWN, NO, NO, NO, "login"),
    },
    "caseroom:minutes_approve": {
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:minutes_save": {
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:my_actions": {
        "GET": row(ALL, ALL, NO, NO, NO, "login"),
    },
    "caseroom:participant_add": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:participant_categories": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:participant_withdraw": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:plan_agree": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:plan_goal_add": {
        "POST": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:referral_create": {
        "GET": row(ALL, ALL, NO, NO, NO, "login"),
        "POST": row(ALL, ALL, NO, NO, NO, "login"),
    },
    "caseroom:referral_detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "login"),
    },
    "caseroom:referral_list": {
        "GET": row(ALL, ALL, NO, NO, NO, "login"),
    },
    "caseroom:triage": {
        "GET": row(OWN, NO, NO, NO, NO, "login"),
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "caseroom:triage_queue": {
        "GET": row(ALL, NO, NO, NO, NO, "login"),
    },
    "caseroom:week": {
        "GET": row(ALL, NO, NO, NO, NO, "login"),
    },
    "consent:case_bases": {
        "GET": row(OWN, OWN, NO, NO, NO, "login"),
        "POST": row(OWN, NO, NO, NO, NO, "login"),
    },
    "consent:retention": {
        "GET": row(ALL, NO, ALL, NO, NO, "login"),
        "POST": row(ALL, NO, ALL, NO, NO, "login"),
    },
    "consent:subject_request_detail": {
        "GET": row(NO, NO, ALL, NO, NO, "login"),
        "POST": row(NO, NO, ALL, NO, NO, "login"),
    },
    "consent:subject_requests": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "login"),
        "POST": row(ALL, ALL, ALL, ALL, ALL, "login"),
    },
    "escalation:management_information": {
        "GET": row("ok ok 404", NO, NO, ALL, NO, "login"),
        "POST": row("ok ok 404", NO, NO, ALL, NO, "login"),
    },
    "escalation:queue": {
        "GET": row(NO, NO, NO, ALL, NO, "login"),
        "POST": row(NO, NO, NO, NO, NO, "login"),
    },
    "escalation:stalls": {
        "GET": row(ALL, NO, NO, NO, NO, "login"),
        "POST": row(NO, NO, NO, NO, NO, "login"),
    },
    "partners:home": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "login"),
        "POST": row(ALL, ALL, ALL, ALL, ALL, "login"),
    },
    "partners:login": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "ok"),
        "POST": row(ALL, ALL, ALL, ALL, ALL, "ok"),
    },
    "partners:logout": {
        "POST": row(
            "login login login",
            "login login login",
            "login login login",
            "login login login",
            "login login login",
            "login",
        ),
    },
    "partners:two_factor": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "login"),
        "POST": row(ALL, ALL, ALL, ALL, ALL, "login"),
    },
    "schema": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
    },
    "set_language": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "ok"),
        "POST": row(ALL, ALL, ALL, ALL, ALL, "ok"),
    },
    "v1:action-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
        "POST": row(INVALID, INVALID, REFUSED, REFUSED, REFUSED, "401"),
    },
    "v1:action-set-status": {
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:api-root": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
    },
    "v1:audit-anomalies": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
    },
    "v1:audit-events": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
    },
    "v1:audit-events-export": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
    },
    "v1:audit-events-logboek": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
    },
    "v1:audit-events-pdf": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
    },
    "v1:audit-review-detail": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
        "PATCH": row(NO, NO, INVALID, NO, NO, "401"),
        "PUT": row(NOT_SERVED, NOT_SERVED, NOT_SERVED, NOT_SERVED, NOT_SERVED, "401"),
    },
    "v1:audit-review-list": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
    },
    "v1:break-glass": {
        "POST": row(INVALID, INVALID, NO, NO, NO, "401"),
    },
    "v1:break-glass-review-detail": {
        "GET": row(NO, NO, OWN, NO, NO, "401"),
    },
    "v1:break-glass-review-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
    },
    "v1:case-detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
        "PATCH": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:case-directive": {
        "POST": row(NO, NO, NO, INVALID, NO, "401"),
    },
    "v1:case-escalations": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:case-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
    },
    "v1:case-groups": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:case-persons": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
        "POST": row(OWN_INVALID, "403 404 404", NO, NO, NO, "401"),
    },
    "v1:case-timeline": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:consent-list": {
        "GET": row(OWN, NO, NO, NO, NO, "401"),
        "POST": row(OWN_INVALID, NO, NO, NO, NO, "401"),
    },
    "v1:consent-withdraw": {
        "POST": row(OWN, NO, NO, NO, NO, "401"),
    },
    "v1:contribution-attachment": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:contribution-detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:contribution-list": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:directive-pdf": {
        "GET": row(OWN, NO, NO, ALL, NO, "401"),
    },
    "v1:escalation-close": {
        "POST": row(OWN_INVALID, NO, NO, INVALID, NO, "401"),
    },
    "v1:escalation-queue": {
        "GET": row(NO, NO, NO, ALL, NO, "401"),
    },
    "v1:escalation-respond": {
        "POST": row("403 404 404", NO, NO, REFUSED, NO, "401"),
    },
    "v1:export-anonymised": {
        "GET": row(OWN, NO, ALL, ALL, NO, "401"),
    },
    "v1:goal-list": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:legal-basis-end": {
        "POST": row(OWN_INVALID, NO, NO, NO, NO, "401"),
    },
    "v1:legal-basis-list": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:me": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
    },
    "v1:meeting-agenda": {
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:meeting-attendees": {
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:meeting-detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:meeting-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
        "POST": row(INVALID, REFUSED, REFUSED, REFUSED, REFUSED, "401"),
    },
    "v1:meeting-sign": {
        "POST": row(NO, OWN, NO, NO, NO, "401"),
    },
    "v1:meeting-view": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:minutes-amend": {
        "POST": row(OWN_INVALID, "403 404 404", NO, NO, NO, "401"),
    },
    "v1:minutes-approve": {
        "POST": row(OWN, "403 404 404", NO, NO, NO, "401"),
    },
    "v1:minutes-detail": {
        "PUT": row(OWN_INVALID, "403 404 404", NO, NO, NO, "401"),
    },
    "v1:organisation-detail": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
        "PATCH": row(REFUSED, REFUSED, REFUSED, REFUSED, ALL, "401"),
        "PUT": row(REFUSED, REFUSED, REFUSED, REFUSED, INVALID, "401"),
    },
    "v1:organisation-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
        "POST": row(REFUSED, REFUSED, REFUSED, REFUSED, INVALID, "401"),
    },
    "v1:participant-detail": {
        "PATCH": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:participant-list": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:participant-withdraw": {
        "POST": row(OWN_INVALID, OWN_INVALID, NO, NO, NO, "401"),
    },
    "v1:person-addresses": {
        "POST": row(OWN_INVALID, REFUSED, REFUSED, REFUSED, REFUSED, "401"),
    },
    "v1:person-check": {
        "POST": row(INVALID, INVALID, REFUSED, REFUSED, REFUSED, "401"),
    },
    "v1:person-detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:person-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
        "POST": row(INVALID, REFUSED, REFUSED, REFUSED, REFUSED, "401"),
    },
    "v1:person-relations": {
        "POST": row(OWN_INVALID, REFUSED, REFUSED, REFUSED, REFUSED, "401"),
    },
    "v1:plan-agree": {
        "POST": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:referral-detail": {
        "GET": row(OWN, OWN, NO, NO, NO, "401"),
    },
    "v1:referral-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
        "POST": row(INVALID, INVALID, REFUSED, REFUSED, REFUSED, "401"),
    },
    "v1:referral-triage": {
        "POST": row(OWN_INVALID, "403 404 404", NO, NO, NO, "401"),
    },
    "v1:retention-extension-decide": {
        "POST": row(OWN_INVALID, NO, INVALID, NO, NO, "401"),
    },
    "v1:retention-extension-list": {
        "GET": row(ALL, NO, ALL, NO, NO, "401"),
    },
    "v1:retention-extension-request": {
        "POST": row(OWN_INVALID, NO, INVALID, NO, NO, "401"),
    },
    "v1:retention-hold": {
        "POST": row(OWN_INVALID, NO, INVALID, NO, NO, "401"),
    },
    "v1:retention-list": {
        "GET": row(ALL, NO, ALL, NO, NO, "401"),
    },
    "v1:retention-tombstones": {
        "GET": row(ALL, NO, ALL, NO, NO, "401"),
    },
    "v1:stall-list": {
        "GET": row(ALL, NO, NO, NO, NO, "401"),
    },
    "v1:subject-request-action": {
        "POST": row("403 404 404", "403 404 404", INVALID, NO, NO, "401"),
    },
    "v1:subject-request-detail": {
        "GET": row(OWN, OWN, ALL, NO, NO, "401"),
    },
    "v1:subject-request-list": {
        "GET": row(ALL, ALL, ALL, ALL, ALL, "401"),
        "POST": row(INVALID, INVALID, INVALID, INVALID, INVALID, "401"),
    },
    "v1:subject-request-report": {
        "GET": row(NO, NO, ALL, NO, NO, "401"),
    },
    "v1:subject-request-task-done": {
        "POST": row(NO, OWN_INVALID, NO, NO, NO, "401"),
    },
}
