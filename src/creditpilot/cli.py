"""The ``creditpilot`` command (SPEC §4).

Exit status: 0 done; 1 refused input (the store is as it was); 2 wrong usage.
Every failure prints a one-line reason on stderr first (file, line and column
where they apply); a refused import then lists every rejected row.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:  # polars behind it: imported by the one command that reads a FEC
    from creditpilot.readers.fec import ReadAhead

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="creditpilot: receivables ledger, aged balance, DSO, credit management.",
)
import_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Import files into the store."
)
report_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Reports: aged balance, KPIs, statement of account.",
)
company_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Companies (creditors) of this installation."
)
app.add_typer(import_app, name="import")
app.add_typer(report_app, name="report")
user_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Users, their companies and roles, API tokens.",
)
app.add_typer(company_app, name="company")
app.add_typer(user_app, name="user")

CompanyOption = typer.Option(
    None, "--company", help="Company code (may be left out while the store holds one)."
)


# Start-up time (issue 12: a report starts in <= 0.3 s). This module imports only typer
# at its top; Django and every heavy third-party library (polars, openpyxl, WeasyPrint,
# django-ninja, waitress) are imported inside the command that needs them, so that a
# command pays only for what it uses. That is the one reason for imports in function
# bodies here -- start-up time, never to dodge the layers contract (import-linter).
# The report commands also load fewer Django apps (``creditpilot.settings_report``), and
# so do the imports (``creditpilot.settings_batch``).
REPORT_COMMANDS = {"report_aging", "report_kpis", "report_statement"}
BATCH_COMMANDS = {
    "import_fec",
    "import_customers",
    "import_invoices",
    "import_financials",
    "import_events",
    "import_orders",
}


def setup_django(command: str = "") -> None:
    if command in REPORT_COMMANDS:
        settings = "creditpilot.settings_report"
    elif command in BATCH_COMMANDS:
        settings = "creditpilot.settings_batch"
    else:
        settings = "creditpilot.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    if not gc.isenabled():  # paused by the entry point (``__main__``) while modules load
        gc.freeze()
        gc.enable()


# a FEC to import, read while Django is set up
_ahead: dict[Path, ReadAhead] = {}


def _read_ahead(path: Path) -> None:
    # the file's bytes first: reading them needs the standard library alone, and runs
    # while polars loads for the rest
    from creditpilot.readers.raw import RawRead

    raw = RawRead(path)
    from creditpilot.readers.fec import ReadAhead

    _ahead[path] = ReadAhead(path, raw)


def fail(message: str, status: int, details: list[str] | None = None) -> None:
    typer.echo(message, err=True)
    for line in details or []:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(status)


def command(func: F) -> F:
    """Django set up, store current, and the product's errors turned into exit statuses."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if func.__name__ == "import_fec" and isinstance(kwargs.get("path"), Path):
            _read_ahead(kwargs["path"])
        setup_django(func.__name__)
        from creditpilot.companies.services import do_migrate
        from creditpilot.core.errors import (
            DISK_FULL_MESSAGE,
            CreditPilotError,
            NotFoundError,
            UsageError,
            is_disk_full,
        )

        try:
            if func.__name__ != "init":
                do_migrate()
            return func(*args, **kwargs)
        except (UsageError, NotFoundError) as err:
            fail(f"error: {err}", 2)
        except CreditPilotError as err:
            fail(f"error: {err}", 1, _rejected_rows(err))
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except Exception as err:
            if os.environ.get("CREDITPILOT_DEBUG") == "1":
                raise
            if is_disk_full(err):
                fail(f"error: {DISK_FULL_MESSAGE}", 1)
            fail(f"internal error: {type(err).__name__}: {err}", 1)

    return wrapper  # type: ignore[return-value]


def _rejected_rows(err: Exception) -> list[str]:
    """Every rejected row of a refused import (``ImportRefusedError.errors``), else none.

    Read from the error rather than caught by its class, so that a command that imports
    nothing does not load the import machinery (polars) to handle its errors.
    """
    errors = getattr(err, "errors", None) or []
    details = [str(e) for e in errors]
    count = getattr(err, "error_count", len(errors))
    if count > len(errors):
        details.append(f"... and {count - len(errors)} more")
    return details


def parse_day(value: str | None, option: str = "--as-of") -> date:
    if value is None:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo("Europe/Paris")).date()  # the company's day, as on the pages
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=option) from None


def on_terminal() -> bool:
    """Progress is drawn only for a person at a terminal: never into a pipe, a file or a test."""
    return sys.stdout.isatty() and sys.stderr.isatty()


@contextmanager
def progress_bar(title: str, stages: Sequence[str] = ()) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr for long work, given to the services as their
    ``progress(stage)`` callback: each stage named moves the bar to it (the known
    ``stages`` in order; others only show their name). Off the terminal, a no-op.
    """
    if not on_terminal():
        yield _no_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(title, total=len(stages) or None)

        def advance(stage: str) -> None:
            done = stages.index(stage) if stage in stages else None
            bar.update(task, description=f"{title}: {stage}", completed=done)

        yield advance
        bar.update(task, completed=len(stages) or None)


def _no_progress(_stage: str) -> None:
    return None


FEC_STAGES = ("reading", "customers", "storing", "matching")


# --- store and companies ---------------------------------------------------------------


@app.command()
@command
def init(
    company: str = typer.Option(None, "--company", help="Code of the first company."),
    name: str = typer.Option(None, "--name", help="Name of the first company."),
) -> None:
    """Create the store (idempotent); add one company when it holds none."""
    from creditpilot.companies.services import do_init

    created = do_init(company, name)
    from django.conf import settings

    where = settings.DATABASES["default"]["NAME"]
    if created:
        typer.echo(f"store ready ({where}); company {created.code!r} created")
    else:
        typer.echo(f"store ready ({where})")


@company_app.command("add")
@command
def company_add(
    code: str,
    name: str = typer.Argument(""),
    currency: str = typer.Option("EUR"),
    terms: str = typer.Option("NET30", "--terms", help="Default payment terms."),
) -> None:
    """Add a company."""
    from creditpilot.companies.services import do_add_company

    company = do_add_company(code, name, currency=currency, default_terms=terms)
    typer.echo(f"company {company.code!r} created")


@company_app.command("list")
@command
def company_list() -> None:
    """List the companies."""
    from creditpilot.companies.models import Company

    for company in Company.objects.all():
        typer.echo(f"{company.code}\t{company.name}\t{company.currency}\t{company.default_terms}")


# --- users -----------------------------------------------------------------------------


@user_app.command("add")
@command
def user_add(
    username: str,
    company: list[str] = typer.Option(
        None, "--company", help="Grant this company (repeat for several)."
    ),
    role: str = typer.Option(
        "credit_manager",
        "--role",
        help="admin, credit_manager, collector, sales, management or auditor.",
    ),
    sales_rep: str = typer.Option(
        "", "--sales-rep", help="For the sales role: the customers' sales rep name."
    ),
    password: str = typer.Option(
        None, "--password", help="Generated and printed when left out for a new user."
    ),
    email: str = typer.Option("", "--email"),
) -> None:
    """Add a user (or grant an existing one more companies)."""
    from creditpilot.accounts.services import do_add_user
    from creditpilot.companies.services import get_company

    companies = [get_company(code) for code in company] if company else [get_company(None)]
    new = do_add_user(
        username,
        password=password,
        companies=companies,
        role=role,
        sales_rep=sales_rep,
        email=email,
    )
    granted = ", ".join(c.code for c in companies)
    typer.echo(f"user {username!r} {'created' if new.created else 'updated'}: {role} of {granted}")
    if new.password:
        typer.echo(f"password: {new.password}")


@user_app.command("list")
@command
def user_list() -> None:
    """List the users and their companies."""
    from creditpilot.accounts.models import Membership

    for m in Membership.objects.select_related("user", "company").order_by(
        "user__username", "company__code"
    ):
        typer.echo(f"{m.user.username}\t{m.company.code}\t{m.role}\t{m.sales_rep}")


@user_app.command("token")
@command
def user_token(
    username: str = typer.Argument(None, help="The user (leave out with --list for everyone's)."),
    name: str = typer.Option("api", "--name", help="What the token is for."),
    expires: str = typer.Option(
        None, "--expires", help="Last day of use (YYYY-MM-DD) or a number of days; default never."
    ),
    revoke: int = typer.Option(None, "--revoke", help="Revoke the user's token of this id."),
    list_: bool = typer.Option(False, "--list", help="List the tokens (never the keys)."),
) -> None:
    """Create an API token for the user (shown once: only its hash is kept), list or revoke them."""
    from django.utils import timezone

    from creditpilot.accounts.services import (
        do_create_token,
        do_revoke_token,
        expiry_of,
        tokens_of,
    )
    from creditpilot.core.errors import UsageError

    if list_ + (revoke is not None) + (expires is not None) > 1:
        raise UsageError("usage", "choose one of --list, --revoke and --expires")
    if list_:
        now = timezone.now()
        for token in tokens_of(username=username):
            typer.echo(_token_line(token, token.status(now)))
        return
    if username is None:
        raise UsageError("usage", "name the user: creditpilot user token NAME")
    if revoke is not None:
        token = do_revoke_token(revoke, username=username)
        typer.echo(f"token {token.pk} ({token.prefix}...) of {username!r} revoked")
        return
    expires_at = expiry_of(expires, timezone.localtime()) if expires is not None else None
    typer.echo(do_create_token(username, name, expires_at=expires_at))


def _token_line(token: Any, status: str) -> str:
    from django.utils import timezone

    def when(moment: datetime | None) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"

    return "\t".join(
        [
            str(token.pk),
            token.user.get_username(),
            token.name,
            f"{token.prefix}...",
            f"created {when(token.created_at)}",
            f"last used {when(token.last_used_at)}",
            f"expires {when(token.expires_at)}",
            status,
        ]
    )


# --- imports ---------------------------------------------------------------------------


def _print_import(result: Any) -> None:
    typer.echo(result.summary())
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for skipped in result.skipped[:50]:
        typer.echo(f"skipped: {skipped}", err=True)


AcceptOption = typer.Option(
    False, "--accept-valid-rows", help="Import the valid rows of a file that has rejected ones."
)


@import_app.command("fec")
@command
def import_fec(
    path: Path = typer.Argument(..., help="FEC file (tab or | separated)."),
    company: str = CompanyOption,
    accept_valid_rows: bool = AcceptOption,
    force: bool = typer.Option(
        False, "--force", help="Import a FEC that looks like another company's (SIREN, content)."
    ),
) -> None:
    """Import a FEC (Fichier des Écritures Comptables)."""
    from creditpilot.companies.services import get_company
    from creditpilot.receivables.guards import ForeignFecError
    from creditpilot.receivables.services import do_import_fec

    target = get_company(company)
    try:
        with progress_bar(f"Import {path.name}", FEC_STAGES) as progress:
            result = do_import_fec(
                target,
                path,
                accept_valid_rows=accept_valid_rows,
                progress=progress,
                force=force,
                ahead=_ahead.pop(path, None),
            )
    except ForeignFecError as err:
        fail(f"error: {err}; nothing imported (--force to import it anyway)", 1)
    _print_import(result)


@import_app.command("customers")
@command
def import_customers(
    path: Path = typer.Argument(
        ..., help="CSV or XLSX: code,name,siren,country,segment,payment_terms"
    ),
    company: str = CompanyOption,
    accept_valid_rows: bool = AcceptOption,
) -> None:
    """Import customers (CSV or XLSX)."""
    from creditpilot.companies.services import get_company
    from creditpilot.receivables.customers import do_import_customers

    target = get_company(company)
    with progress_bar(f"Import {path.name}"):
        result = do_import_customers(target, path, accept_valid_rows=accept_valid_rows)
    _print_import(result)


@import_app.command("financials")
@command
def import_financials(
    path: Path = typer.Argument(
        ..., help="CSV or XLSX: customer or siren, year_end, then the statement's figures"
    ),
    company: str = CompanyOption,
) -> None:
    """Import customers' financial statements (one row per customer and fiscal year)."""
    from creditpilot.audit.services import Actor
    from creditpilot.companies.services import get_company
    from creditpilot.risk.financials import do_import_financials

    typer.echo(str(do_import_financials(get_company(company), path, Actor(username="cli"))))


@import_app.command("events")
@command
def import_events(
    path: Path = typer.Argument(
        ..., help="CSV or XLSX: siren,date,kind[,source] or a BODACC export"
    ),
    company: str = CompanyOption,
) -> None:
    """Import external events (collective proceedings stop dunning and credit at once)."""
    from creditpilot.audit.services import Actor
    from creditpilot.companies.services import get_company
    from creditpilot.risk.events import do_import_events

    day = parse_day(None)
    typer.echo(str(do_import_events(get_company(company), path, Actor(username="cli"), day)))


@import_app.command("orders")
@command
def import_orders(
    path: Path = typer.Argument(..., help="CSV or XLSX: customer_code,number,date,amount"),
    company: str = CompanyOption,
) -> None:
    """Import the order book (orders not yet invoiced): it replaces the previous one."""
    from creditpilot.audit.services import Actor
    from creditpilot.companies.services import get_company
    from creditpilot.risk.orders import do_import_orders

    typer.echo(str(do_import_orders(get_company(company), path, Actor(username="cli"))))


@import_app.command("invoices")
@command
def import_invoices(
    path: Path = typer.Argument(
        ..., help="CSV or XLSX: customer_code,number,date,due_date,amount,currency"
    ),
    company: str = CompanyOption,
    accept_valid_rows: bool = AcceptOption,
) -> None:
    """Import open items: invoices and credit notes, with their payments."""
    from creditpilot.companies.services import get_company
    from creditpilot.receivables.invoices import do_import_invoices

    target = get_company(company)
    with progress_bar(f"Import {path.name}"):
        result = do_import_invoices(target, path, accept_valid_rows=accept_valid_rows)
    _print_import(result)


# --- reports ---------------------------------------------------------------------------


def _emit(content: str | bytes, output: Path | None, default_name: str) -> None:
    if output is None and isinstance(content, bytes) and sys.stdout.isatty():
        output = Path(default_name)
    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        typer.echo(f"written to {output}", err=True)
        return
    if isinstance(content, bytes):
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        typer.echo(content, nl=not content.endswith("\n"))


OutputOption = typer.Option(
    None, "--output", "-o", help="Write to this file instead of standard output."
)


@report_app.command("aging")
@command
def report_aging(
    as_of: str = typer.Option(
        None, "--as-of", help="Date of the aged balance (YYYY-MM-DD), today if left out."
    ),
    fmt: str = typer.Option("json", "--format", help="json, csv, xlsx or pdf."),
    company: str = CompanyOption,
    output: Path = OutputOption,
    by: str = typer.Option(
        "customer", "--by", help="Rows by customer (default), segment, sales_rep or currency."
    ),
) -> None:
    """Aged balance at a date, by customer, segment, sales rep or currency."""
    from creditpilot.companies.services import get_company
    from creditpilot.reports import render
    from creditpilot.reports.aging import GROUPINGS, aging_report, group_aging

    day = parse_day(as_of)
    renderers = {
        "json": render.aging_json,
        "csv": render.aging_csv,
        "xlsx": render.aging_xlsx,
        "pdf": render.aging_pdf,
    }
    if fmt not in renderers:
        raise typer.BadParameter(
            f"unknown format {fmt!r}: json, csv, xlsx or pdf", param_hint="--format"
        )
    if by not in GROUPINGS:
        raise typer.BadParameter(
            f"unknown grouping {by!r}: {', '.join(GROUPINGS)}", param_hint="--by"
        )
    report = aging_report(get_company(company), day)
    grouped = report if by == "customer" else group_aging(report, by)
    suffix = "" if by == "customer" else f"-by-{by}"
    _emit(renderers[fmt](grouped), output, f"aging-{day.isoformat()}{suffix}.{fmt}")


@report_app.command("forecast")
@command
def report_forecast(
    as_of: str = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD), today if left out."),
    fmt: str = typer.Option("json", "--format", help="json, csv or xlsx."),
    language: str = typer.Option(
        "en", "--language", help="csv, xlsx: en, or fr (the French Excel way)."
    ),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """The cash-in forecast from the end of the date: by week for 13 weeks and by month for 6,
    the expected amount with its 80 % band, split by rating, segment and customer."""
    from creditpilot.companies.services import get_company
    from creditpilot.forecast.cashin import forecast_for
    from creditpilot.forecast.render import forecast_csv, forecast_json, forecast_xlsx

    if fmt not in ("json", "csv", "xlsx"):
        raise typer.BadParameter(
            f"unknown format {fmt!r}: json, csv or xlsx", param_hint="--format"
        )
    if language not in ("en", "fr"):
        raise typer.BadParameter(
            f"unknown language {language!r}: en or fr", param_hint="--language"
        )
    day = parse_day(as_of)
    forecast = forecast_for(get_company(company), day)
    if forecast.reason:
        typer.echo(f"{forecast.reason}: each invoice from the company's days late", err=True)
    content: str | bytes
    if fmt == "json":
        content = forecast_json(forecast)
    elif fmt == "csv":
        content = forecast_csv(forecast, language)
    else:
        content = forecast_xlsx(forecast, language)
    _emit(content, output, f"forecast-{day.isoformat()}.{fmt}")


@report_app.command("kpis")
@command
def report_kpis(
    as_of: str = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD), today if left out."),
    fmt: str = typer.Option("json", "--format", help="json."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """DSO (count-back), best possible DSO, ADD, overdue ratio, CEI of the month."""
    from creditpilot.companies.services import get_company
    from creditpilot.reports.kpis import kpi_report

    day = parse_day(as_of)
    if fmt != "json":
        raise typer.BadParameter(f"unknown format {fmt!r}: json", param_hint="--format")
    report = kpi_report(get_company(company), day)
    _emit(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", output, "kpis.json")


@report_app.command("statement")
@command
def report_statement(
    customer: str = typer.Option(..., "--customer", help="Customer code."),
    as_of: str = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD), today if left out."),
    fmt: str = typer.Option("json", "--format", help="json, csv, xlsx or pdf."),
    since: str = typer.Option(
        None, "--since", help="pdf: add the movements from this date (YYYY-MM-DD)."
    ),
    language: str = typer.Option(
        None, "--language", help="pdf: fr or en (the customer's language by default)."
    ),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """Statement of account of one customer: every movement (json, csv, xlsx), or the document
    sent to the customer (pdf): its open items at the date on the letterhead."""
    from creditpilot.companies.services import get_company
    from creditpilot.reports import render
    from creditpilot.reports.statement import statement

    day = parse_day(as_of)
    renderers = {
        "json": render.statement_json,
        "csv": render.statement_csv,
        "xlsx": render.statement_xlsx,
    }
    if fmt not in [*renderers, "pdf"]:
        raise typer.BadParameter(
            f"unknown format {fmt!r}: json, csv, xlsx or pdf", param_hint="--format"
        )
    if language not in (None, "fr", "en"):
        raise typer.BadParameter(
            f"unknown language {language!r}: fr or en", param_hint="--language"
        )
    if fmt == "pdf":
        from creditpilot.reports import statement_document as sd

        start = parse_day(since, "--since") if since else None
        doc = sd.open_items_statement(get_company(company), customer, day, since=start)
        lang = sd.statement_language(doc.customer, language)
        _emit(sd.statement_document_pdf(doc, lang), output, sd.statement_file_name(doc, lang))
        return
    report = statement(get_company(company), customer, day)
    _emit(renderers[fmt](report), output, f"statement-{customer}-{day.isoformat()}.{fmt}")


# --- daily cycle, demo, server -----------------------------------------------------------


@app.command()
@command
def run(
    as_of: str = typer.Option(
        None, "--as-of", help="Date of the run (YYYY-MM-DD), today if left out."
    ),
    company: str = typer.Option(None, "--company", help="Only this company (all by default)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the dunning actions due, carry out nothing."
    ),
    fmt: str = typer.Option(None, "--format", help="json (with --dry-run)."),
    start: str = typer.Option(
        None, "--from", help="Replay each day from this date (YYYY-MM-DD) to --to."
    ),
    end: str = typer.Option(None, "--to", help="Last day replayed (with --from)."),
) -> None:
    """The daily cycle of each company: disputes and promises brought up to date, the day's
    reminders decided, stored and sent (emails over CREDITPILOT_SMTP_URL, letters in the day's
    PDF, tasks for calls and approvals), pages prepared, position printed."""
    if dry_run or fmt is not None:
        _run_dry(as_of, company, dry_run, fmt)
        return
    from datetime import timedelta

    from creditpilot.companies.models import Company
    from creditpilot.orchestration.daily import do_daily_run_now

    if (start is None) != (end is None) or (start is not None and as_of is not None):
        raise typer.BadParameter("give --from and --to together, or --as-of", param_hint="--from")
    first = parse_day(start if start is not None else as_of, "--from" if start else "--as-of")
    last = parse_day(end, "--to") if end is not None else first
    if last < first:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    companies = Company.objects.filter(code=company) if company else Company.objects.all()
    if company and not companies.exists():
        from creditpilot.core.errors import NotFoundError

        raise NotFoundError("company_not_found", f"no company with code {company!r}")
    selected = list(companies)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    steps = [(day, c) for day in days for c in selected]
    with progress_bar("Daily run", [f"{c.code} {d.isoformat()}" for d, c in steps]) as progress:
        for day, c in steps:
            progress(f"{c.code} {day.isoformat()}")
            summary = do_daily_run_now(c, day).summary()
            typer.echo(summary)


def _run_dry(as_of: str | None, company: str | None, dry_run: bool, fmt: str | None) -> None:
    """``run --dry-run``: the day's dunning actions as JSON, nothing sent, nothing written."""
    from creditpilot.collections.dunning import dunning_plan, plan_json
    from creditpilot.companies.services import get_company

    if not dry_run:
        raise typer.BadParameter("--format goes with --dry-run", param_hint="--format")
    if (fmt or "json") != "json":
        raise typer.BadParameter(f"unknown format {fmt!r}: json", param_hint="--format")
    typer.echo(plan_json(dunning_plan(get_company(company), parse_day(as_of))), nl=False)


@app.command()
@command
def worker(
    batch: bool = typer.Option(False, "--batch", help="Run the jobs ready now, then stop."),
    interval: float = typer.Option(
        1.0, "--interval", min=0.05, help="Seconds between two looks at an empty queue."
    ),
    max_jobs: int = typer.Option(None, "--max-jobs", min=1, help="Stop after this many jobs."),
    exit_with_parent: bool = typer.Option(False, "--exit-with-parent", hidden=True),
) -> None:
    """Run the queued jobs (imports, daily runs); retries with back-off. Several may run at once."""
    import logging

    from creditpilot.orchestration.queue import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    run_worker(
        interval=interval, batch=batch, max_tasks=max_jobs, exit_with_parent=exit_with_parent
    )


@app.command()
@command
def scheduler(
    once: bool = typer.Option(False, "--once", help="Queue the runs due now, then stop."),
    interval: float = typer.Option(30.0, "--interval", min=0.1, help="Seconds between looks."),
    at: str = typer.Option(None, "--at", hidden=True, help="Act as if it were this ISO time."),
) -> None:
    """Queue each company's daily run at its hour, and the scheduled reports due (once per
    company and day, once per report and period, whatever the number of schedulers)."""
    import logging
    import threading

    from creditpilot.orchestration.reports import schedule_due_reports
    from creditpilot.orchestration.schedule import run_scheduler, schedule_due_runs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(message)s")
    if once or at:
        now = parse_moment(at) if at else None
        for run_ in schedule_due_runs(now):
            typer.echo(f"queued the daily run of {run_.company.code} for {run_.day.isoformat()}")
        for sent in schedule_due_reports(now):
            typer.echo(
                f"queued the scheduled report {sent.schedule_id} of {sent.period_end.isoformat()}"
            )
        return
    stop = threading.Event()
    try:
        run_scheduler(stop, interval=interval)
    except KeyboardInterrupt:
        stop.set()


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date and time: {value!r}", param_hint="--at") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo("Europe/Paris"))
    return moment


@app.command()
@command
def rebuild(
    company: str = typer.Option(None, "--company", help="Only this company (all by default)."),
) -> None:
    """Rebuild each company's whole ledger state from its stored documents (imports and
    changes of terms rebuild what they change; this forces all of it)."""
    from django.db import transaction

    from creditpilot.companies.models import Company
    from creditpilot.receivables.rebuild import do_rebuild

    companies = Company.objects.filter(code=company) if company else Company.objects.all()
    if company and not companies.exists():
        from creditpilot.core.errors import NotFoundError

        raise NotFoundError("company_not_found", f"no company with code {company!r}")
    for c in companies:
        with transaction.atomic():
            result = do_rebuild(c)
        typer.echo(
            f"{c.code}: rebuilt {result.documents} documents, {result.allocations} allocations, "
            f"unapplied credits {result.unapplied_credits}, warnings {len(result.notices)}"
        )


DEMO_USER = "demo"


@app.command()
@command
def demo(
    customers: int = typer.Option(300, "--customers", min=1, help="Number of customers."),
    lines: int = typer.Option(None, "--lines", min=100, help="Approximate number of FEC lines."),
    seed: int = typer.Option(42, "--seed"),
    end: str = typer.Option("2026-10-31", "--end", help="Last day of the 24 months (YYYY-MM-DD)."),
    company: str = typer.Option(
        None,
        "--company",
        help="Load into this company (default: the store's only, empty company, else 'demo').",
    ),
) -> None:
    """Load a realistic demo company: a French SME over 24 months."""
    import tempfile

    from creditpilot.accounts.rights import Role
    from creditpilot.accounts.services import do_add_user, generate_password
    from creditpilot.audit.services import Actor
    from creditpilot.receivables.demo_load import DEMO_STAGES, do_load_demo
    from creditpilot.risk.financials import do_import_financials

    with tempfile.TemporaryDirectory() as kept, progress_bar("Demo", DEMO_STAGES) as progress:
        financials = Path(kept) / "financials.csv"
        result = do_load_demo(
            company,
            customers=customers,
            lines=lines,
            seed=seed,
            end=parse_day(end, "--end"),
            progress=progress,
            keep_financials=financials,
        )
        typer.echo(result)
        if financials.exists():
            typer.echo(do_import_financials(result.company, financials, Actor(username="cli")))
    from creditpilot.collections.services import do_sync_imported_disputes

    do_sync_imported_disputes(result.company, parse_day(end, "--end"))  # the demo's disputes
    password = generate_password()
    do_add_user(DEMO_USER, password=password, companies=[result.company], role=Role.ADMIN)
    from creditpilot.collections.disputes import do_stage_demo_disputes

    do_stage_demo_disputes(result.company, parse_day(end, "--end"), seed, DEMO_USER)
    # the demo's day is run at once: reminders decided (nothing is sent without a mail
    # server), the worklist, the scores and the alerts are there at the first sign-in
    from creditpilot.orchestration.daily import do_daily_run_now

    typer.echo(do_daily_run_now(result.company, parse_day(end, "--end")).summary())
    typer.echo(
        f"sign in as {DEMO_USER!r} with the password {password!r} (admin of {result.company.code!r})"
    )


@app.command()
@command
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    threads: int = typer.Option(16, "--threads", min=1, help="Requests served at once."),
    workers: int = typer.Option(
        1, "--workers", min=0, help="Worker processes started with the server (0: none here)."
    ),
    schedule: bool = typer.Option(
        True, "--schedule/--no-schedule", help="Queue each company's daily run at its hour."
    ),
) -> None:
    """Serve the web application and the API (waitress), with job workers and the scheduler."""
    import atexit

    import waitress

    from creditpilot.orchestration.imports import do_fail_interrupted_jobs
    from creditpilot.orchestration.queue import WorkerProcesses
    from creditpilot.orchestration.schedule import start_scheduler_thread
    from creditpilot.wsgi import application

    interrupted = do_fail_interrupted_jobs()
    if interrupted:
        typer.echo(f"{interrupted} import(s) interrupted by the last stop marked failed", err=True)
    pool = WorkerProcesses(workers)
    pool.start()
    atexit.register(pool.stop)
    if schedule:
        start_scheduler_thread()
    typer.echo(
        f"creditpilot on http://{host}:{port}/ (API documentation at /api/docs); "
        f"{workers} worker(s), scheduler {'on' if schedule else 'off'}",
        err=True,
    )
    _settle_heap()
    waitress.serve(
        application, host=host, port=port, threads=threads, ident="creditpilot", _quiet=True
    )


def _settle_heap() -> None:
    """Load every view now, then keep the start-up objects out of the garbage collector's
    sight: a full collection then walks only what requests make, not the whole of Django,
    so that no request waits 100-400 ms behind one (measured on the credit check)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the pages' and the API's modules
    gc.collect()
    gc.freeze()


# --- collections: late-payment interest, ECB rates ---------------------------------------

rates_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="ECB main refinancing rates behind the statutory late-payment interest.",
)
app.add_typer(rates_app, name="rates")


@rates_app.command("add")
@command
def rates_add(
    day: str = typer.Argument(..., help="Effective date of the decision (YYYY-MM-DD)."),
    rate: str = typer.Argument(..., help="Main refinancing rate in percent (2.15)."),
) -> None:
    """Add an ECB decision (a later one wins over the shipped table on the same date)."""
    from creditpilot.collections.rates import do_add_rate

    effective = parse_day(day, "DATE")
    outcome = do_add_rate(effective, rate)
    typer.echo(f"ECB rate of {effective.isoformat()}: {outcome}")


@rates_app.command("list")
@command
def rates_list() -> None:
    """The main refinancing rate decisions, oldest first, shipped or added."""
    from creditpilot.collections.rates import rate_rows
    from creditpilot.core.interest import format_rate

    for row in rate_rows():
        typer.echo(f"{row.effective.isoformat()}\t{format_rate(row.rate)}\t{row.source}")


@report_app.command("interest")
@command
def report_interest(
    as_of: str = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD), today if left out."),
    fmt: str = typer.Option("json", "--format", help="json or csv."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """Late-payment interest and recovery indemnity of every invoice open and past due."""
    from creditpilot.collections.interest import interest_csv, interest_json, interest_report
    from creditpilot.companies.services import get_company

    day = parse_day(as_of)
    renderers = {"json": interest_json, "csv": interest_csv}
    if fmt not in renderers:
        raise typer.BadParameter(f"unknown format {fmt!r}: json or csv", param_hint="--format")
    report = interest_report(get_company(company), day)
    _emit(renderers[fmt](report), output, f"interest-{day.isoformat()}.{fmt}")


@report_app.command("d441-6")
@command
def report_d441_6(
    year_end: str = typer.Option(..., "--year-end", help="The fiscal year end (YYYY-MM-DD)."),
    fmt: str = typer.Option("json", "--format", help="json, xlsx or pdf."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """The management report's table of late invoices issued (Code de commerce D441-6)."""
    from creditpilot.collections.statutory import (
        late_invoice_table,
        table_json,
        table_pdf,
        table_xlsx,
    )
    from creditpilot.companies.services import get_company

    day = parse_day(year_end, "--year-end")
    target = get_company(company)
    renderers = {
        "json": table_json,
        "xlsx": table_xlsx,
        "pdf": lambda table: table_pdf(table, target),
    }
    if fmt not in renderers:
        raise typer.BadParameter(
            f"unknown format {fmt!r}: json, xlsx or pdf", param_hint="--format"
        )
    table = late_invoice_table(target, day)
    _emit(renderers[fmt](table), output, f"d441-6-{day.isoformat()}.{fmt}")


@report_app.command("management")
@command
def report_management(
    month_end: str = typer.Option(
        ..., "--month-end", help="The last day of the month reported on (YYYY-MM-DD)."
    ),
    fmt: str = typer.Option("pdf", "--format", help="pdf or xlsx."),
    language: str = typer.Option("fr", "--language", help="fr or en."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """The monthly credit report for management: KPIs and their trend, the aged balance by
    segment and sales rep, top risks, disputes, litigation."""
    from creditpilot.companies.services import get_company
    from creditpilot.steering.monthly import management_report
    from creditpilot.steering.render import report_file_name, report_pdf, report_xlsx

    day = parse_day(month_end, "--month-end")
    renderers = {"pdf": report_pdf, "xlsx": report_xlsx}
    if fmt not in renderers:
        raise typer.BadParameter(f"unknown format {fmt!r}: pdf or xlsx", param_hint="--format")
    if language not in ("fr", "en"):
        raise typer.BadParameter(
            f"unknown language {language!r}: fr or en", param_hint="--language"
        )
    report = management_report(get_company(company), day, language)
    _emit(renderers[fmt](report), output, report_file_name(report, fmt))


@report_app.command("kpi-history")
@command
def report_kpi_history(
    by: str = typer.Option("company", "--by", help="company, segment or sales_rep."),
    key: str = typer.Option(
        "", "--key", help="The segment or sales rep (all of them if left out)."
    ),
    months: int = typer.Option(24, "--months", help="How many month ends, the latest last."),
    fmt: str = typer.Option("json", "--format", help="json or csv."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """The KPI history: the snapshots taken at each month end (backfilled ones flagged)."""
    from creditpilot.companies.services import get_company
    from creditpilot.steering.history import history_csv, history_json

    if by not in ("company", "segment", "sales_rep"):
        raise typer.BadParameter(
            f"unknown grouping {by!r}: company, segment or sales_rep", param_hint="--by"
        )
    renderers = {"json": history_json, "csv": history_csv}
    if fmt not in renderers:
        raise typer.BadParameter(f"unknown format {fmt!r}: json or csv", param_hint="--format")
    body = renderers[fmt](get_company(company), by, key or None, months)
    _emit(body, output, f"kpi-history.{fmt}")


@report_app.command("provisions")
@command
def report_provisions(
    as_of: str = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD), today if left out."),
    fmt: str = typer.Option("json", "--format", help="json, csv or xlsx."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """Provisions for doubtful debts: each open invoice's amount excluding VAT, 100 % for a
    customer in collective proceedings or over 365 days past due, 50 % over 180 days."""
    from creditpilot.companies.services import get_company
    from creditpilot.risk.provisions import (
        provisions,
        provisions_csv,
        provisions_json,
        provisions_xlsx,
    )

    day = parse_day(as_of)
    renderers = {"json": provisions_json, "csv": provisions_csv, "xlsx": provisions_xlsx}
    if fmt not in renderers:
        raise typer.BadParameter(
            f"unknown format {fmt!r}: json, csv or xlsx", param_hint="--format"
        )
    report = provisions(get_company(company), day)
    _emit(renderers[fmt](report), output, f"provisions-{day.isoformat()}.{fmt}")


@app.command()
@command
def letters(
    day: str = typer.Option(None, "--date", help="Day of the run (YYYY-MM-DD), today if left out."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """The day's letters (reminders and formal notices sent by post), in one PDF to print."""
    from creditpilot.collections.letters import day_letters
    from creditpilot.companies.services import get_company
    from creditpilot.core.errors import NotFoundError

    when = parse_day(day, "--date")
    pdf = day_letters(get_company(company), when)
    if pdf is None:
        raise NotFoundError("no_letters", f"no letter to print on {when.isoformat()}")
    _emit(pdf, output, f"letters-{when.isoformat()}.pdf")


# --- risk -------------------------------------------------------------------------------

risk_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Customer risk: scores and ratings."
)
app.add_typer(risk_app, name="risk")


provisions_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The month end's doubtful-debt provisions: proposed, approved, exported as a FEC.",
)
app.add_typer(provisions_app, name="provisions")


@provisions_app.command("propose")
@command
def provisions_propose(
    month_end: str = typer.Option(..., "--month-end", help="The last day of a month."),
    company: str = CompanyOption,
) -> None:
    """Propose the month end's provisions (the daily run does it on the last day)."""
    from creditpilot.companies.services import get_company
    from creditpilot.core.errors import InvalidInputError
    from creditpilot.core.money import format_cents
    from creditpilot.risk.provisions import do_propose_provisions, is_month_end

    day = parse_day(month_end, "--month-end")
    if not is_month_end(day):
        raise InvalidInputError(
            "not_month_end", f"{day.isoformat()} is not the last day of a month"
        )
    run = do_propose_provisions(get_company(company), day)
    typer.echo(
        f"{day.isoformat()}: {len(run.lines)} invoices, {format_cents(run.total)} ({run.status})"
    )


@provisions_app.command("approve")
@command
def provisions_approve(
    month_end: str = typer.Option(..., "--month-end", help="The last day of a month."),
    company: str = CompanyOption,
) -> None:
    """Approve the month end's proposed provisions (audited)."""
    from creditpilot.audit.services import Actor
    from creditpilot.companies.services import get_company
    from creditpilot.core.money import format_cents
    from creditpilot.risk.provisions import do_approve_provisions

    day = parse_day(month_end, "--month-end")
    run = do_approve_provisions(get_company(company), day, Actor(username="cli"))
    typer.echo(f"{day.isoformat()}: {len(run.lines)} invoices, {format_cents(run.total)} approved")


@provisions_app.command("export")
@command
def provisions_export(
    month_end: str = typer.Option(..., "--month-end", help="The last day of a month."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """The approved month end's entries for the accountant, in FEC layout."""
    from creditpilot.companies.services import get_company
    from creditpilot.core.errors import InvalidInputError
    from creditpilot.risk.models import ProvisionRun
    from creditpilot.risk.provision_entries import provisions_fec

    day = parse_day(month_end, "--month-end")
    run = ProvisionRun.objects.filter(
        company=get_company(company), month_end=day, status=ProvisionRun.Status.APPROVED
    ).first()
    if run is None:
        raise InvalidInputError(
            "provisions_not_approved", f"no approved provisions for {day.isoformat()}"
        )
    _emit(provisions_fec(run), output, f"provisions-{day.isoformat()}.txt")


@risk_app.command("scores")
@command
def risk_scores(
    as_of: str = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD), today if left out."),
    fmt: str = typer.Option("json", "--format", help="json or csv."),
    language: str = typer.Option("en", "--language", help="Of the drivers: en or fr."),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """Every customer's score (0-100, higher is safer), rating A-E, probability of serious late
    payment within 12 months, and the drivers of its score, from the ledger at the date."""
    import csv
    import io
    import json

    from creditpilot.companies.services import get_company
    from creditpilot.risk.behaviour import company_scores, scores_json

    if fmt not in ("json", "csv"):
        raise typer.BadParameter(f"unknown format {fmt!r}: json or csv", param_hint="--format")
    if language not in ("en", "fr"):
        raise typer.BadParameter(
            f"unknown language {language!r}: en or fr", param_hint="--language"
        )
    day = parse_day(as_of)
    body = scores_json(company_scores(get_company(company), day), language)
    if fmt == "json":
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "score", "rating", "pd", "drivers"])
        for c in body["customers"]:  # type: ignore[attr-defined]
            writer.writerow([c["code"], c["score"], c["rating"], c["pd"], "; ".join(c["drivers"])])
        text = out.getvalue()
    _emit(text, output, f"risk-scores-{day.isoformat()}.{fmt}")


@risk_app.command("backtest")
@command
def risk_backtest(
    as_of: str = typer.Option(..., "--as-of", help="The past date scored (YYYY-MM-DD)."),
    fmt: str = typer.Option("json", "--format", help="json."),
    company: str = CompanyOption,
) -> None:
    """Score every customer with what was known at the date, and measure against what happened
    in the 12 months after: AUC, Brier score, calibration by rating, and the baselines."""
    from creditpilot.companies.services import get_company
    from creditpilot.risk.backtest import backtest, backtest_json

    if fmt != "json":
        raise typer.BadParameter(f"unknown format {fmt!r}: json", param_hint="--format")
    typer.echo(backtest_json(backtest(get_company(company), parse_day(as_of))), nl=False)


# --- forecast: predicted payment dates --------------------------------------------------

predict_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Predicted payment dates: the model and its backtest.",
)
app.add_typer(predict_app, name="predict")


@predict_app.command("backtest")
@command
def predict_backtest(
    as_of: str = typer.Option(..., "--as-of", help="The past date predicted from (YYYY-MM-DD)."),
    fmt: str = typer.Option("json", "--format", help="json."),
    company: str = CompanyOption,
) -> None:
    """Train on the invoices settled before the date, predict those open at it or issued after,
    and measure against what happened (mean absolute error in days, share within 7 days,
    accuracy and AUC for "paid late"), beside three baselines."""
    from creditpilot.companies.services import get_company
    from creditpilot.forecast.backtest import backtest, backtest_json

    if fmt != "json":
        raise typer.BadParameter(f"unknown format {fmt!r}: json", param_hint="--format")
    result = backtest(get_company(company), parse_day(as_of, "--as-of"))
    if result.get("fallback"):
        typer.echo(f"{result['fallback']}: the baselines only", err=True)
    typer.echo(backtest_json(result), nl=False)


# --- collections: promises to pay, disputes ---------------------------------------------

promise_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Promises to pay: dunning waits for them."
)
dispute_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Disputed items: never dunned."
)
app.add_typer(promise_app, name="promise")
app.add_typer(dispute_app, name="dispute")
TodayOption = typer.Option(
    None, "--as-of", help="The business day it is recorded on (YYYY-MM-DD), today if left out."
)


plan_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Payment plans: instalments over some items, followed by the daily run.",
)
app.add_typer(plan_app, name="plan")


case_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Litigation cases: stages, costs, outcome, and the statement of claim.",
)
app.add_typer(case_app, name="case")


@case_app.command("open")
@command
def case_open(
    customer: str = typer.Option(..., "--customer", help="Customer code."),
    items: str = typer.Option("", "--items", help="Item numbers (the past-due ones if left out)."),
    stage: str = typer.Option("amicable", "--stage", help="amicable, formal_notice, ..."),
    as_of: str = TodayOption,
    company: str = CompanyOption,
) -> None:
    """Open a litigation case on a customer's items."""
    from creditpilot.collections.litigation import do_open_case
    from creditpilot.companies.services import get_company

    case = do_open_case(
        get_company(company),
        customer,
        today=parse_day(as_of),
        items=[n for n in items.split(",") if n.strip()] or None,
        stage=stage,
    )
    typer.echo(f"case {case.pk} opened for {customer} at the stage {case.stage}")


@case_app.command("move")
@command
def case_move(
    case: int = typer.Option(..., "--case", help="The case's number."),
    stage: str = typer.Option(..., "--stage"),
    published: str = typer.Option(
        None, "--published", help="For an insolvency claim: the BODACC publication's date."
    ),
    as_of: str = TodayOption,
    company: str = CompanyOption,
) -> None:
    """Take a case to another stage."""
    from creditpilot.collections.litigation import do_move_case
    from creditpilot.companies.services import get_company

    moved = do_move_case(
        get_company(company),
        case,
        stage,
        today=parse_day(as_of),
        published_on=parse_day(published, "--published") if published else None,
    )
    due = f", claim due by {moved.deadline.isoformat()}" if moved.deadline else ""
    typer.echo(f"case {moved.pk} at the stage {moved.stage}{due}")


@case_app.command("close")
@command
def case_close(
    case: int = typer.Option(..., "--case", help="The case's number."),
    outcome: str = typer.Option(..., "--outcome", help="recovered, settled or written_off."),
    as_of: str = TodayOption,
    company: str = CompanyOption,
) -> None:
    """Close a case (a write-off needs an approved write-off decision)."""
    from creditpilot.collections.litigation import do_close_case
    from creditpilot.companies.services import get_company

    closed = do_close_case(get_company(company), case, outcome, today=parse_day(as_of))
    typer.echo(f"case {closed.pk} closed: {closed.outcome}")


@case_app.command("claim")
@command
def case_claim(
    case: int = typer.Option(..., "--case", help="The case's number."),
    as_of: str = TodayOption,
    fmt: str = typer.Option(
        "json", "--format", help="json, pdf (the document of the stage) or csv (for an agency)."
    ),
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """The statement of claim: principal, interest and indemnities per item (JSON), or the
    document of the case's stage with it (PDF: a request for an order for payment, say)."""
    from creditpilot.collections.litigation import statement_of_claim
    from creditpilot.collections.models import LitigationCase
    from creditpilot.companies.services import get_company
    from creditpilot.core.errors import NotFoundError

    owner = get_company(company)
    found = LitigationCase.objects.filter(company=owner, pk=case).first()
    if found is None:
        raise NotFoundError("case_not_found", f"no case {case}")
    claim = statement_of_claim(owner, found, parse_day(as_of))
    if fmt in ("pdf", "csv"):
        from creditpilot.collections.claim_document import agency_csv, claim_pdf

        body = claim_pdf(claim) if fmt == "pdf" else agency_csv(claim)
        _emit(body, output, f"claim-{found.pk}-{claim.as_of.isoformat()}.{fmt}")
        return
    if fmt != "json":
        raise typer.BadParameter(f"unknown format {fmt!r}: json, pdf or csv", param_hint="--format")
    _emit(json.dumps(claim.as_json(), ensure_ascii=False, indent=2) + "\n", output, "claim.json")


@plan_app.command("add")
@command
def plan_add(
    customer: str = typer.Option(..., "--customer", help="Customer code."),
    instalments: str = typer.Option(
        ..., "--instalments", help="DATE:AMOUNT, comma separated (2026-07-10:500.00,...)."
    ),
    items: str = typer.Option(
        "", "--items", help="Item numbers, comma separated (all open items if left out)."
    ),
    interest: str = typer.Option("0", "--interest", help="Interest agreed on top (12.50)."),
    note: str = typer.Option("", "--note"),
    as_of: str = TodayOption,
    company: str = CompanyOption,
) -> None:
    """Agree a payment plan: its items are not dunned while the instalments are kept."""
    from creditpilot.collections.plans import do_add_plan, parse_instalments
    from creditpilot.collections.services import parse_amount
    from creditpilot.companies.services import get_company
    from creditpilot.core.money import format_cents

    plan = do_add_plan(
        get_company(company),
        customer,
        parse_instalments(instalments),
        today=parse_day(as_of),
        items=[n for n in items.split(",") if n.strip()],
        interest=parse_amount(interest) if interest.strip() not in ("", "0") else 0,
        note=note,
    )
    typer.echo(
        f"plan of {format_cents(plan.total)} in {plan.instalments.count()} instalment(s) "
        f"agreed for {customer}"
    )


@promise_app.command("add")
@command
def promise_add(
    customer: str = typer.Option(..., "--customer", help="Customer code."),
    amount: str = typer.Option(..., "--amount", help="Amount promised (1234.50)."),
    day: str = typer.Option(..., "--date", help="Date promised (YYYY-MM-DD)."),
    items: str = typer.Option(
        "", "--items", help="Item numbers, comma separated (all open items if left out)."
    ),
    note: str = typer.Option("", "--note"),
    as_of: str = TodayOption,
    company: str = CompanyOption,
) -> None:
    """Record a customer's promise to pay: dunning of its items waits until the date plus grace."""
    from creditpilot.collections.services import do_add_promise
    from creditpilot.companies.services import get_company
    from creditpilot.core.money import format_cents

    promise = do_add_promise(
        get_company(company),
        customer,
        amount,
        parse_day(day, "--date"),
        today=parse_day(as_of),
        items=[n for n in items.split(",") if n.strip()],
        note=note,
    )
    numbers = ", ".join(sorted(promise.items.values_list("number", flat=True)))
    typer.echo(
        f"promise of {format_cents(promise.amount)} by {promise.promised_date.isoformat()} "
        f"recorded for {customer} ({numbers}); dunning waits until "
        f"{promise.pauses_until.isoformat()}"
    )


@dispute_app.command("add")
@command
def dispute_add(
    customer: str = typer.Option(..., "--customer", help="Customer code."),
    item: str = typer.Option(..., "--item", help="Item (invoice) number."),
    reason: str = typer.Option(
        ..., "--reason", help="price, quantity, quality, delivery, duplicate or other."
    ),
    note: str = typer.Option("", "--note"),
    as_of: str = TodayOption,
    company: str = CompanyOption,
) -> None:
    """Mark an item disputed: it is not dunned while the dispute is open."""
    from creditpilot.collections.services import do_add_dispute
    from creditpilot.companies.services import get_company

    outcome = do_add_dispute(
        get_company(company), customer, item, reason, today=parse_day(as_of), note=note
    )
    if outcome.created:
        typer.echo(f"item {item} of {customer} disputed ({reason})")
    else:
        typer.echo(f"item {item} of {customer} already disputed ({reason}): nothing changed")


@dispute_app.command("close")
@command
def dispute_close(
    customer: str = typer.Option(..., "--customer", help="Customer code."),
    item: str = typer.Option(..., "--item", help="Item (invoice) number."),
    as_of: str = TodayOption,
    company: str = CompanyOption,
) -> None:
    """Close the dispute on an item: dunning resumes."""
    from creditpilot.collections.services import do_close_dispute
    from creditpilot.companies.services import get_company

    do_close_dispute(get_company(company), customer, item, today=parse_day(as_of))
    typer.echo(f"dispute on item {item} of {customer} closed")


def _end() -> None:
    """The command is done and the process about to end: its store connections closed, and
    the objects it made left to the end of the process.

    Python's finalization collects reference cycles among the objects of every module
    loaded, several times over: with Django's, that is 0.1 to 0.15 s after the command's
    last word, on every command. The objects frozen (``gc.freeze``) are still freed as
    their references go, files and connections closed as they are; only that search for
    cycles is skipped, for a process that is ending.
    """
    if "django.db" in sys.modules:
        from django.db import connections

        with contextlib.suppress(Exception):
            connections.close_all()
    gc.freeze()


def main() -> None:
    """Run the command; a usage error prints one line and exits with 2."""
    try:
        _run()
    finally:
        _end()


def _run() -> None:
    try:
        status = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as err:
        # the command-line parser's own errors (bad option, missing argument...)
        if not (hasattr(err, "format_message") and hasattr(err, "exit_code")):
            raise
        if type(err).__name__ == "NoArgsIsHelpError":
            typer.echo(err.format_message(), err=True)
            sys.exit(2)
        ctx = getattr(err, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"error: {err.format_message()}{hint}", err=True)
        sys.exit(err.exit_code)
    sys.exit(status if isinstance(status, int) else 0)


if __name__ == "__main__":  # the command is `creditpilot` (``creditpilot.__main__``)
    main()
