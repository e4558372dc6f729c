"""Settings of the command line's imports: the store and every layer above it, without
the web's apps.

An import's work lives in the store and in the layers that listen to it (an invoices
file's disputes, the collections' signals), so every one of those apps is loaded; the
web's are not: the API (django-ninja, which loads pydantic: 0.17 s at each start), the
sign-in lockout, the static files, messages and the pages. The next day's FEC imports in
about 3 s, so its start counts (issue 12). The store is the same; its schema is checked
for these apps (the next other command checks the rest).
"""

from __future__ import annotations

from creditpilot.settings import *  # noqa: F403
from creditpilot.settings import INSTALLED_APPS as ALL_APPS

WEB_ONLY_APPS = (
    "ninja",
    "axes",
    "django.contrib.staticfiles",
    "django.contrib.messages",
    "creditpilot.web",
)
INSTALLED_APPS = [app for app in ALL_APPS if app not in WEB_ONLY_APPS]
MIDDLEWARE: list[str] = []
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
