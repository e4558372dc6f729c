"""Imports of files into a company's ledger: submit one, follow it, list them.

A submitted file is checked (kind, size), stored and imported by a job, with
the same services as the command line; the answer is a 202 with the job, whose
status, counts and rejected rows (line, column, reason) are read back later.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models.query import EmptyQuerySet
from django.http import Http404, HttpRequest
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.api.auth import scope_of, user_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import MAX_ID, MAX_OFFSET
from creditpilot.api.schemas import ImportJobOut, ImportJobPage
from creditpilot.orchestration.imports import do_submit_import
from creditpilot.receivables.models import ImportJob

router = Router(tags=["imports"])

FILE_TYPES = (
    "a FEC (.txt, .fec, .csv or no extension: tab, | or ; separated, UTF-8 or ISO-8859-15), "
    "or a customers or invoices list (.csv or .tsv in UTF-8, ISO-8859-15 or Windows-1252, "
    "or a spreadsheet .xlsx, .xls, .ods)"
)
MEDIA_TYPES = ", ".join(
    (
        "text/plain",
        "text/csv",
        "text/tab-separated-values",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/octet-stream",
    )
)


def _require_imports_visible(scope: Scope) -> None:
    # imports concern the whole ledger: a role the scope shows no import to sees no job either
    if isinstance(scope.imports(), EmptyQuerySet):
        raise PermissionDenied("imports")


@router.get(
    "/companies/{company}/imports",
    response={200: ImportJobPage, **error_responses(403, 404, 422)},
    summary="Imports of the company, newest first",
)
def list_imports(
    request: HttpRequest,
    company: str,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    scope = scope_of(request, company)
    _require_imports_visible(scope)
    jobs = ImportJob.objects.filter(company=scope.company).order_by("-created_at", "-id")
    return {"count": jobs.count(), "items": list(jobs[offset : offset + limit])}


@router.post(
    "/companies/{company}/imports",
    response={202: ImportJobOut, **error_responses(403, 404, 413, 422)},
    summary="Import a file (FEC, customers list or invoices list)",
    description=(
        "multipart/form-data with `kind`, `file` and optionally `accept_valid_rows`. "
        f"Accepted files: {FILE_TYPES}, at most {settings.MAX_UPLOAD_BYTES // 2**20} MB. "
        "A file with rejected rows changes nothing unless `accept_valid_rows` is true. "
        "A FEC that looks like another company's (its name's SIREN, or nothing in common "
        "with the ledger) is refused unless `force` is true."
    ),
    openapi_extra={
        "requestBody": {
            "content": {"multipart/form-data": {"encoding": {"file": {"contentType": MEDIA_TYPES}}}}
        }
    },
)
def submit_import(
    request: HttpRequest,
    company: str,
    kind: Form[Literal["fec", "customers", "invoices"]],
    file: UploadedFile = File(..., description=f"the file to import: {FILE_TYPES}"),
    accept_valid_rows: Form[bool] = False,
    force: Form[bool] = False,
) -> Status[ImportJob]:
    scope = scope_of(request, company)
    scope.require(Action.IMPORT)
    job = do_submit_import(
        scope.company,
        kind,
        file,
        user=user_of(request).get_username(),
        accept_valid_rows=accept_valid_rows,
        force=force,
    )
    job.refresh_from_db()  # run already when imports are inline
    return Status(202, job)


@router.get(
    "/companies/{company}/imports/{job_id}",
    response={200: ImportJobOut, **error_responses(403, 404, 422)},
    summary="One import: status, stage, counts, rejected rows",
)
def get_import(
    request: HttpRequest, company: str, job_id: int = Path(..., ge=1, le=MAX_ID)
) -> ImportJob:
    scope = scope_of(request, company)
    _require_imports_visible(scope)
    job = ImportJob.objects.filter(company=scope.company, pk=job_id).first()
    if job is None:
        raise Http404("import")
    return job
