from django.apps import AppConfig


class CaseroomConfig(AppConfig):
    name = "caseroom"
    verbose_name = "Casussen"
