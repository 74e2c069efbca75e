from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from audit.api import (
    AccessEventExportView,
    AccessEventListView,
    AccessEventPdfView,
    AnomalyListView,
    LogboekExportView,
    ReviewItemViewSet,
)
from caseroom.api import (
    BreakGlassReviewViewSet,
    BreakGlassView,
    CaseViewSet,
    ContributionViewSet,
    ParticipantViewSet,
    PersonCheckView,
    PersonViewSet,
    ReferralViewSet,
)
from caseroom.api_meetings import ActionViewSet, GoalViewSet, MeetingViewSet, MinutesViewSet
from consent.api import ConsentViewSet, LegalBasisViewSet
from consent.api_requests import (
    AccessReportView,
    AnonymisedExportView,
    SubjectRequestActionView,
    SubjectRequestDetailView,
    SubjectRequestListView,
    TaskDoneView,
)
from consent.api_retention import (
    ExtensionDecisionView,
    ExtensionListView,
    ExtensionRequestView,
    LegalHoldView,
    RetentionListView,
    TombstoneListView,
)
from escalation.api import (
    BestuurderQueueView,
    CaseEscalationsView,
    DirectiveCreateView,
    DirectivePdfView,
    EscalationCloseView,
    EscalationRespondView,
    StallListView,
)
from partners.api import MeView, OrganisationViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("cases", CaseViewSet, basename="case")
router.register("persons", PersonViewSet, basename="person")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("actions", ActionViewSet, basename="action")
router.register("minutes", MinutesViewSet, basename="minutes")
router.register("break-glass-reviews", BreakGlassReviewViewSet, basename="break-glass-review")
router.register("audit/reviews", ReviewItemViewSet, basename="audit-review")

participants = ParticipantViewSet.as_view({"get": "list", "post": "create"})
participant = ParticipantViewSet.as_view({"patch": "partial_update"})
participant_withdraw = ParticipantViewSet.as_view({"post": "withdraw"})
contributions = ContributionViewSet.as_view({"get": "list", "post": "create"})
contribution = ContributionViewSet.as_view({"get": "retrieve"})
attachment = ContributionViewSet.as_view({"get": "attachment"})

case_prefix = "cases/<int:case_pk>/"
api_v1 = [
    path("me/", MeView.as_view(), name="me"),
    path("audit/events/", AccessEventListView.as_view(), name="audit-events"),
    path("audit/events/export/", AccessEventExportView.as_view(), name="audit-events-export"),
    path("audit/events/export/pdf/", AccessEventPdfView.as_view(), name="audit-events-pdf"),
    path("audit/anomalies/", AnomalyListView.as_view(), name="audit-anomalies"),
    path("audit/events/logboek/", LogboekExportView.as_view(), name="audit-events-logboek"),
    path("persons/check/", PersonCheckView.as_view(), name="person-check"),
    path("subject-requests/", SubjectRequestListView.as_view(), name="subject-request-list"),
    path(
        "subject-requests/<uuid:pk>/",
        SubjectRequestDetailView.as_view(),
        name="subject-request-detail",
    ),
    path(
        "subject-requests/<uuid:pk>/report/",
        AccessReportView.as_view(),
        name="subject-request-report",
    ),
    path(
        "subject-requests/<uuid:pk>/tasks/<uuid:task_pk>/done/",
        TaskDoneView.as_view(),
        name="subject-request-task-done",
    ),
    path(
        "subject-requests/<uuid:pk>/<slug:step>/",
        SubjectRequestActionView.as_view(),
        name="subject-request-action",
    ),
    path("exports/anonymised/", AnonymisedExportView.as_view(), name="export-anonymised"),
    path("retention/", RetentionListView.as_view(), name="retention-list"),
    path(f"{case_prefix}escalations/", CaseEscalationsView.as_view(), name="case-escalations"),
    path(f"{case_prefix}directive/", DirectiveCreateView.as_view(), name="case-directive"),
    path(
        "escalations/<uuid:pk>/responses/",
        EscalationRespondView.as_view(),
        name="escalation-respond",
    ),
    path("escalations/<uuid:pk>/close/", EscalationCloseView.as_view(), name="escalation-close"),
    path("escalations/queue/", BestuurderQueueView.as_view(), name="escalation-queue"),
    path("directives/<uuid:pk>/pdf/", DirectivePdfView.as_view(), name="directive-pdf"),
    path("stalls/", StallListView.as_view(), name="stall-list"),
    path("retention/<int:case_pk>/hold/", LegalHoldView.as_view(), name="retention-hold"),
    path(
        "retention/<int:case_pk>/extensions/",
        ExtensionRequestView.as_view(),
        name="retention-extension-request",
    ),
    path("retention/extensions/", ExtensionListView.as_view(), name="retention-extension-list"),
    path(
        "retention/extensions/<uuid:pk>/decide/",
        ExtensionDecisionView.as_view(),
        name="retention-extension-decide",
    ),
    path("retention/tombstones/", TombstoneListView.as_view(), name="retention-tombstones"),
    path("break-glass/", BreakGlassView.as_view(), name="break-glass"),
    path(f"{case_prefix}participants/", participants, name="participant-list"),
    path(f"{case_prefix}participants/<uuid:pk>/", participant, name="participant-detail"),
    path(
        f"{case_prefix}participants/<uuid:pk>/withdraw/",
        participant_withdraw,
        name="participant-withdraw",
    ),
    path(
        f"{case_prefix}goals/",
        GoalViewSet.as_view({"get": "plan", "post": "create"}),
        name="goal-list",
    ),
    path(f"{case_prefix}goals/agree/", GoalViewSet.as_view({"post": "agree"}), name="plan-agree"),
    path(
        f"{case_prefix}legal-bases/",
        LegalBasisViewSet.as_view({"get": "list", "post": "create"}),
        name="legal-basis-list",
    ),
    path(
        f"{case_prefix}legal-bases/<uuid:pk>/end/",
        LegalBasisViewSet.as_view({"post": "end"}),
        name="legal-basis-end",
    ),
    path(
        f"{case_prefix}consents/",
        ConsentViewSet.as_view({"get": "list", "post": "create"}),
        name="consent-list",
    ),
    path(
        f"{case_prefix}consents/<uuid:pk>/withdraw/",
        ConsentViewSet.as_view({"post": "withdraw"}),
        name="consent-withdraw",
    ),
    path(f"{case_prefix}contributions/", contributions, name="contribution-list"),
    path(f"{case_prefix}contributions/<uuid:pk>/", contribution, name="contribution-detail"),
    path(
        f"{case_prefix}contributions/<uuid:pk>/attachments/<uuid:attachment_pk>/",
        attachment,
        name="contribution-attachment",
    ),
    *router.urls,
]

# Errors no view handled: a Dutch page or API error, 503 when the database is away.
handler403 = "core.views.forbidden"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("", include("partners.urls")),
    path("casussen/", include("caseroom.urls")),
    path("toezicht/", include("audit.urls")),
    path("gegevens/", include("consent.urls")),
    path("escalaties/", include("escalation.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("beheer/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
