"""The ``creditpilot`` command (SPEC §4).

Exit status: 0 done; 1 refused input (the store is as it was); 2 wrong usage.
Every failure prints a one-line reason on stderr first (file, line and column
where they apply); a refused import then lists every rejected row.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer

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


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditpilot.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def fail(message: str, status: int, details: list[str] | None = None) -> None:
    typer.echo(message, err=True)
    for line in details or []:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(status)


def command(func: F) -> F:
    """Django set up, store current, and the product's errors turned into exit statuses."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        setup_django()
        from creditpilot.companies.services import do_migrate
        from creditpilot.core.errors import CreditPilotError, NotFoundError, UsageError
        from creditpilot.receivables.services import ImportRefusedError

        try:
            if func.__name__ != "init":
                do_migrate()
            return func(*args, **kwargs)
        except ImportRefusedError as err:
            details = [str(e) for e in err.errors]
            if err.error_count > len(err.errors):
                details.append(f"... and {err.error_count - len(err.errors)} more")
            fail(f"error: {err}", 1, details)
        except (UsageError, NotFoundError) as err:
            fail(f"error: {err}", 2)
        except CreditPilotError as err:
            fail(f"error: {err}", 1)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except Exception as err:
            if os.environ.get("CREDITPILOT_DEBUG") == "1":
                raise
            fail(f"internal error: {type(err).__name__}: {err}", 1)

    return wrapper  # type: ignore[return-value]


def parse_day(value: str | None, option: str = "--as-of") -> date:
    if value is None:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo("Europe/Paris")).date()  # the company's day, as on the pages
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=option) from None


def progress_printer() -> Callable[[str], None]:
    if not sys.stderr.isatty():
        return lambda _stage: None
    from rich.console import Console

    console = Console(stderr=True)
    return lambda stage: console.print(f"[dim]… {stage}[/dim]")


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
def user_token(username: str, name: str = typer.Option("api", "--name")) -> None:
    """Create an API token for the user (shown once: only its hash is kept)."""
    from creditpilot.accounts.services import do_create_token

    typer.echo(do_create_token(username, name))


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
) -> None:
    """Import a FEC (Fichier des Écritures Comptables)."""
    from creditpilot.companies.services import get_company
    from creditpilot.receivables.services import do_import_fec

    result = do_import_fec(
        get_company(company), path, accept_valid_rows=accept_valid_rows, progress=progress_printer()
    )
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
    from creditpilot.customers.services import do_import_customers

    _print_import(
        do_import_customers(get_company(company), path, accept_valid_rows=accept_valid_rows)
    )


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

    _print_import(
        do_import_invoices(get_company(company), path, accept_valid_rows=accept_valid_rows)
    )


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
) -> None:
    """Aged balance by customer at a date."""
    from creditpilot.companies.services import get_company
    from creditpilot.reports import render
    from creditpilot.reports.aging import aging_report

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
    report = aging_report(get_company(company), day)
    _emit(renderers[fmt](report), output, f"aging-{day.isoformat()}.{fmt}")


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
    company: str = CompanyOption,
    output: Path = OutputOption,
) -> None:
    """Statement of account of one customer."""
    from creditpilot.companies.services import get_company
    from creditpilot.reports import render
    from creditpilot.reports.statement import statement

    day = parse_day(as_of)
    renderers = {
        "json": render.statement_json,
        "csv": render.statement_csv,
        "xlsx": render.statement_xlsx,
        "pdf": render.statement_pdf,
    }
    if fmt not in renderers:
        raise typer.BadParameter(
            f"unknown format {fmt!r}: json, csv, xlsx or pdf", param_hint="--format"
        )
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
) -> None:
    """The daily cycle: rebuild each company's ledger state and print its position."""
    from creditpilot.companies.models import Company
    from creditpilot.receivables.daily import do_daily_run

    day = parse_day(as_of)
    companies = Company.objects.filter(code=company) if company else Company.objects.all()
    if company and not companies.exists():
        from creditpilot.core.errors import NotFoundError

        raise NotFoundError("company_not_found", f"no company with code {company!r}")
    for c in companies:
        typer.echo(do_daily_run(c, day).summary())


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
            f"unapplied credits {result.unapplied_credits}, warnings {len(result.warnings)}"
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
    from creditpilot.accounts.rights import Role
    from creditpilot.accounts.services import do_add_user, generate_password
    from creditpilot.receivables.demo_load import do_load_demo

    result = do_load_demo(
        company, customers=customers, lines=lines, seed=seed, end=parse_day(end, "--end")
    )
    typer.echo(result)
    password = generate_password()
    do_add_user(DEMO_USER, password=password, companies=[result.company], role=Role.ADMIN)
    typer.echo(
        f"sign in as {DEMO_USER!r} with the password {password!r} (admin of {result.company.code!r})"
    )


@app.command()
@command
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    threads: int = typer.Option(16, "--threads", min=1, help="Requests served at once."),
) -> None:
    """Serve the web application and the API (waitress, a multi-threaded WSGI server)."""
    import waitress

    from creditpilot.receivables.jobs import do_fail_interrupted_jobs
    from creditpilot.wsgi import application

    interrupted = do_fail_interrupted_jobs()
    if interrupted:
        typer.echo(f"{interrupted} import(s) interrupted by the last stop marked failed", err=True)
    typer.echo(f"creditpilot on http://{host}:{port}/ (API documentation at /api/docs)", err=True)
    waitress.serve(
        application, host=host, port=port, threads=threads, ident="creditpilot", _quiet=True
    )


def main() -> None:
    """Run the command; a usage error prints one line and exits with 2."""
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


if __name__ == "__main__":
    main()
