import os

from django.core.wsgi import get_wsgi_application

from config.env import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Status 4 is gunicorn's "App failed to load": its master stops too, instead of starting
# workers that fail the same way over and over.
load_settings_or_exit(status=4)
application = get_wsgi_application()
