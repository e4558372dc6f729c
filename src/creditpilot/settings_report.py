"""Settings of the report commands: the store and the reports, without the web's apps.

``creditpilot report ...`` reads the store and prints; it starts in a fraction of a
second (issue 12) because it loads only the apps it reads: not the API (django-ninja,
which loads pydantic and Django's test client), the sign-in lockout, the static files,
messages, the pages, or the job queue. Everything else is ``creditpilot.settings``. The store is the
same; its schema is checked for these apps (the next other command checks the rest).
"""

from __future__ import annotations

from creditpilot.settings import *  # noqa: F403
from creditpilot.settings import INSTALLED_APPS as ALL_APPS
from creditpilot.settings_batch import AUTHENTICATION_BACKENDS, MIDDLEWARE  # noqa: F401
from creditpilot.settings_batch import WEB_ONLY_APPS as WEB_APPS

WEB_ONLY_APPS = (
    *WEB_APPS,
    # the job queue: a report runs no job (django-tasks alone costs 50 ms at start)
    "django_tasks",
    "django_tasks_db",
    "creditpilot.orchestration",
    # the layers above the reports: a report reads the ledger and its cache, never them
    # (import-linter keeps it so), and their models cost 20-40 ms at start
    "creditpilot.collections",
    "creditpilot.risk",
    "creditpilot.forecast",
    "creditpilot.steering",
    "django.contrib.sessions",
)
INSTALLED_APPS = [app for app in ALL_APPS if app not in WEB_ONLY_APPS]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {},
    }
]
# Django's default logging builds an e-mail handler for server errors (it loads the e-mail
# package): a report prints its own errors on stderr and sends no mail
LOGGING_CONFIG = None
