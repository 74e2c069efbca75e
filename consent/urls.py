from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("bewaartermijnen/", views.retention, name="retention"),
    path("verzoeken/", views.subject_requests, name="subject_requests"),
    path("casussen/<int:case_id>/grondslagen/", views.case_bases, name="case_bases"),
    path(
        "verzoeken/<uuid:request_id>/",
        views.subject_request_detail,
        name="subject_request_detail",
    ),
]
