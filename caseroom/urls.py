from django.urls import path

from caseroom import views

app_name = "caseroom"

case = "<int:case_id>/"
participant = f"{case}deelnemers/<uuid:participation_id>/"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path(case, views.case_detail, name="case_detail"),
    path(f"{case}inbreng/", views.contribution_add, name="contribution_add"),
    path(
        f"{case}inbreng/<uuid:contribution_id>/bijlagen/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(f"{case}deelnemers/", views.participant_add, name="participant_add"),
    path(f"{participant}categorieen/", views.participant_categories, name="participant_categories"),
    path(f"{participant}terugtrekken/", views.participant_withdraw, name="participant_withdraw"),
    path(f"{case}status/", views.case_status, name="case_status"),
    path(f"{case}regiehouder/", views.case_lead, name="case_lead"),
    path("aanmelden/", views.referral_create, name="referral_create"),
    path("aanmeldingen/", views.referral_list, name="referral_list"),
    path("aanmeldingen/<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
    path("triage/", views.triage_queue, name="triage_queue"),
    path("triage/<uuid:referral_id>/", views.triage, name="triage"),
    path("doorbreken/", views.break_glass, name="break_glass"),
]
