"""Django settings: the store comes from ``CREDITPILOT_DATABASE_URL``.

Unset, the store is an SQLite file in the user's data directory; a
``postgresql://`` URL selects PostgreSQL. No secret lives in the repository:
the key comes from ``CREDITPILOT_SECRET_KEY`` or is generated on first run.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import platformdirs

DATA_DIR = Path(os.environ.get("CREDITPILOT_DATA_DIR") or platformdirs.user_data_dir("creditpilot"))


def _default_database_url() -> str:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'creditpilot.sqlite3'}"


def _secret_key() -> str:
    if os.environ.get("CREDITPILOT_SECRET_KEY"):
        return os.environ["CREDITPILOT_SECRET_KEY"]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DATABASE_URL = os.environ.get("CREDITPILOT_DATABASE_URL") or _default_database_url()
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # 16 KB pages for a new store (an existing one keeps its own: the size is set as
        # the file is made): a million-line FEC's documents go in and are committed with a
        # quarter of the writes of 4 KB pages, 0.2 s less for the insert and the checkpoint
        "init_command": "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA cache_size=-200000; PRAGMA temp_store=MEMORY;",
    }
    _db["TEST"] = {"NAME": None}
elif _db["ENGINE"].startswith("django.db.backends.postgresql"):
    _db["TEST"] = {
        "NAME": os.environ.get("CREDITPILOT_TEST_DATABASE_NAME", f"creditpilot_test_{os.getpid()}")
    }
DATABASES = {"default": _db}

SECRET_KEY = _secret_key()
DEBUG = os.environ.get("CREDITPILOT_DEBUG") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("CREDITPILOT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "creditpilot.audit",
    "creditpilot.accounts",
    "creditpilot.companies",
    "creditpilot.customers",
    "creditpilot.receivables",
    "creditpilot.reports",
    "creditpilot.collections",
    "creditpilot.risk",
    "creditpilot.steering",
    "creditpilot.forecast",
    "creditpilot.orchestration",
    "creditpilot.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "creditpilot.web.middleware.UploadLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "creditpilot.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # sign-in attempts are rate-limited
    "django.contrib.auth.backends.ModelBackend",
]
# after 5 failed sign-ins for a user name from an address, that pair waits 15 minutes
AXES_FAILURE_LIMIT = int(os.environ.get("CREDITPILOT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "creditpilot.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "creditpilot.web.context.frame",
            ]
        },
    }
]
WSGI_APPLICATION = "creditpilot.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
# the address the customers reach the portal at, put in the links of the reminders
PUBLIC_URL = os.environ.get("CREDITPILOT_PUBLIC_URL", "http://localhost:8000").rstrip("/")
# files above this size are refused before they are read (imports in the browser and the API)
MAX_UPLOAD_BYTES = int(os.environ.get("CREDITPILOT_MAX_UPLOAD_MB", "200")) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_DIR = DATA_DIR / "uploads"
# Jobs (imports from the browser and the API, the daily run) go into a queue kept in the
# store itself; `creditpilot worker` (and the one `creditpilot serve` starts) runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# tests may run imports inline, without the queue
IMPORTS_IN_BACKGROUND = os.environ.get("CREDITPILOT_IMPORTS_INLINE") != "1"
# a job that raises is tried again after JOB_RETRY_DELAY, 4 x, 16 x ... seconds, at most
# JOB_MAX_ATTEMPTS times in all; a worker silent for WORKER_LEASE_SECONDS is taken for dead
# and its job is run again (or failed after its last attempt)
JOB_MAX_ATTEMPTS = int(os.environ.get("CREDITPILOT_JOB_MAX_ATTEMPTS", "3"))
JOB_RETRY_DELAY = float(os.environ.get("CREDITPILOT_JOB_RETRY_DELAY", "15"))
WORKER_LEASE_SECONDS = float(os.environ.get("CREDITPILOT_WORKER_LEASE_SECONDS", "120"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
