"""Companies: creating the store, finding the company a command is about."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError, UsageError
from creditpilot.core.terms import parse_terms

DEFAULT_COMPANY_CODE = "default"


def store_is_current() -> bool:
    """Whether every migration of the installed apps is applied.

    Cheap first (one query, one directory listing per app: what a command pays when the
    schema is current); only when that cannot tell, Django's migration graph decides.
    """
    return _recorded_covers_the_code() or not _migration_plan()


def _migration_plan() -> list:
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def _recorded_covers_the_code() -> bool:
    """Every migration file of the installed apps is recorded as applied in the store.

    False when the store has no migrations table yet, and when it records a squashed
    migration by the names it replaces: the migration graph then decides.
    """
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT app, name FROM django_migrations")
            recorded = set(cur.fetchall())
    except DatabaseError:
        return False
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if not folder.is_dir():
            continue
        for file in folder.glob("*.py"):
            if file.stem != "__init__" and (config.label, file.stem) not in recorded:
                return False
    return True


def do_migrate() -> None:
    if not store_is_current():
        call_command("migrate", interactive=False, verbosity=0)


def do_init(code: str | None = None, name: str | None = None) -> Company | None:
    """Create or upgrade the store; add one company when it holds none (idempotent)."""
    do_migrate()
    if Company.objects.exists():
        return None
    return Company.objects.create(code=code or DEFAULT_COMPANY_CODE, name=name or "Ma société")


def do_add_company(
    code: str, name: str, *, currency: str = "EUR", default_terms: str = "NET30"
) -> Company:
    code = code.strip()
    if not code:
        raise InvalidInputError("bad_code", "a company needs a code")
    if any(ch in code for ch in "/\\?#%") or any(ch.isspace() for ch in code):
        raise InvalidInputError(
            "bad_code",
            f"a company code is part of web addresses: no space and none of / \\ ? # % ({code!r})",
        )
    if Company.objects.filter(code=code).exists():
        raise InvalidInputError("duplicate_company", f"a company with code {code!r} already exists")
    terms = parse_terms(default_terms).code
    return Company.objects.create(
        code=code, name=name or code, currency=currency.upper(), default_terms=terms
    )


def get_company(code: str | None) -> Company:
    """The company named by ``code``, or the only one when ``code`` is left out."""
    if code:
        company = Company.objects.filter(code=code).first()
        if company is None:
            raise NotFoundError("company_not_found", f"no company with code {code!r}")
        return company
    companies = list(Company.objects.all()[:2])
    if not companies:
        raise UsageError("no_company", "the store holds no company: run 'creditpilot init' first")
    if len(companies) > 1:
        raise UsageError(
            "company_required", "the store holds several companies: give --company CODE"
        )
    return companies[0]
