from django.urls import path

from caseroom import views, views_meetings

app_name = "caseroom"

case = "<int:case_id>/"
participant = f"{case}deelnemers/<uuid:participation_id>/"
person = f"{case}personen/<uuid:person_id>/"

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
    path(f"{case}plan/doel/", views.plan_goal_add, name="plan_goal_add"),
    path(f"{case}plan/akkoord/", views.plan_agree, name="plan_agree"),
    path(f"{case}regiehouder/", views.case_lead, name="case_lead"),
    path(f"{case}personen/nieuw/", views.case_person_add, name="case_person_add"),
    path(f"{case}personen/relatie/", views.case_relation_add, name="case_relation_add"),
    path(f"{person}wijzigen/", views.case_person_edit, name="case_person_edit"),
    path(f"{person}adres/", views.case_person_address_add, name="case_person_address_add"),
    path("aanmelden/", views.referral_create, name="referral_create"),
    path("aanmeldingen/", views.referral_list, name="referral_list"),
    path("aanmeldingen/<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
    path("triage/", views.triage_queue, name="triage_queue"),
    path("triage/<uuid:referral_id>/", views.triage, name="triage"),
    path("doorbreken/", views.break_glass, name="break_glass"),
]

meeting = "overleggen/<int:meeting_id>/"
agenda_item = f"{meeting}punten/<uuid:item_id>/"

urlpatterns += [
    path("week/", views_meetings.week, name="week"),
    path("overleggen/", views_meetings.meeting_list, name="meeting_list"),
    path("overleggen/nieuw/", views_meetings.meeting_create, name="meeting_create"),
    path(meeting, views_meetings.meeting_detail, name="meeting_detail"),
    path(f"{meeting}voorbereiden/", views_meetings.meeting_prepare, name="meeting_prepare"),
    path(f"{meeting}agenda/", views_meetings.agenda_item_add, name="agenda_item_add"),
    path(f"{meeting}deelnemers/", views_meetings.attendee_invite, name="attendee_invite"),
    path(
        f"{meeting}deelnemers/<int:attendee_id>/aanwezig/",
        views_meetings.attendee_present,
        name="attendee_present",
    ),
    path(f"{meeting}geheimhouding/", views_meetings.meeting_sign, name="meeting_sign"),
    path(f"{meeting}agenda.pdf", views_meetings.meeting_pdf, name="meeting_pdf"),
    path(f"{agenda_item}verslag/", views_meetings.minutes_save, name="minutes_save"),
    path(f"{agenda_item}vaststellen/", views_meetings.minutes_approve, name="minutes_approve"),
    path(f"{agenda_item}afspraak/", views_meetings.action_create, name="action_create"),
    path("afspraken/", views_meetings.my_actions, name="my_actions"),
    path("afspraken/<uuid:action_id>/status/", views_meetings.action_status, name="action_status"),
]
