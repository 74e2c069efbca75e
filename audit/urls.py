from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("toegang/", views.events, name="events"),
    path("beoordelingen/", views.reviews, name="reviews"),
    path("beoordelingen/<uuid:item_id>/", views.review_detail, name="review_detail"),
    path("rapportage/", views.report, name="report"),
]
