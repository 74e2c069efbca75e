"""The Celery application. The worker finds tasks in every app's tasks.py."""

import os
import sys
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import setup_logging

from config.env import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

if Path(sys.argv[0]).name == "celery" or sys.argv[0].endswith(
    os.path.join("celery", "__main__.py")
):
    # Started as a worker or beat: Celery reads the settings while parsing its options, and a
    # refusal to start (a missing key) would end in a traceback. Read them now instead, so
    # that the message stands alone, as with gunicorn and manage.py.
    load_settings_or_exit()

app = Celery("casusregie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """Workers and beat log as the web processes do: settings.LOGGING (JSON in production,
    with BSN-like numbers and e-mail addresses redacted), not Celery's own format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
