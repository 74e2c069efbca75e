from django.urls import path

from escalation import views

app_name = "escalation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("vastgelopen/", views.stalls, name="stalls"),
    path("managementinformatie/", views.management_information, name="management_information"),
]
