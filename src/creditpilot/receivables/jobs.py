"""Imports asked for in the browser or the API: the file is kept, then imported by a job.

``do_submit_import`` checks the upload (size, kind), stores it under the data
directory with a harmless name and records a queued ``ImportJob``;
``run_import_job`` does the import with the same services as the command line
(atomic: a refused or failed import leaves the store as it was) and records
its stages, counts or every rejected row. Uploaded files are never served back.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from creditpilot.companies.models import Company
from creditpilot.core.errors import CreditPilotError, InvalidInputError
from creditpilot.receivables.guards import ForeignFecError
from creditpilot.receivables.models import ImportBatch, ImportJob
from creditpilot.receivables.services import ImportRefusedError, ImportResult

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 1000
ALLOWED_SUFFIXES = {".txt", ".csv", ".tsv", ".xlsx", ".xls", ".ods", ".fec", ""}


def safe_file_name(name: str) -> str:
    """The upload's base name reduced to harmless characters.

    >>> safe_file_name("../../etc/passwd"), safe_file_name("FEC 2025<script>.txt")
    ('passwd', 'FEC_2025_script_.txt')
    """
    base = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return cleaned[:120] or "upload"


def do_submit_import(
    company: Company,
    kind: str,
    upload: UploadedFile,
    *,
    user: str,
    accept_valid_rows: bool = False,
    force: bool = False,
) -> ImportJob:
    if kind not in ImportBatch.Kind.values:
        raise InvalidInputError(
            "invalid_kind", f"unknown import kind {kind!r} (fec, customers or invoices)"
        )
    size = upload.size or 0
    if size > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise InvalidInputError(
            "upload_too_large", f"the file is larger than the limit of {limit} MB"
        )
    if size == 0:
        raise InvalidInputError("empty_file", "the file is empty (0 bytes)", file=upload.name)
    original = (upload.name or "upload")[:255]
    name = safe_file_name(original)
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise InvalidInputError("unsupported_file", f"unsupported file type {Path(name).suffix!r}")
    folder = Path(settings.UPLOAD_DIR) / str(company.id) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(
        company=company,
        kind=kind,
        file_name=original,
        stored_path=str(target),
        size=size,
        accept_valid_rows=accept_valid_rows,
        force=force,
        created_by=user,
    )
    transaction.on_commit(lambda: start_import_job(job.id))
    return job


def start_import_job(job_id: int) -> None:
    if settings.IMPORTS_IN_BACKGROUND:
        threading.Thread(
            target=_run_in_thread, args=(job_id,), daemon=True, name=f"import-{job_id}"
        ).start()
    else:
        run_import_job(job_id)


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        run_import_job(job_id)
    finally:
        connection.close()


def _importer(kind: str) -> Callable[..., ImportResult]:
    from creditpilot.customers.services import do_import_customers
    from creditpilot.receivables.invoices import do_import_invoices
    from creditpilot.receivables.services import do_import_fec

    return {"fec": do_import_fec, "customers": do_import_customers, "invoices": do_import_invoices}[
        kind
    ]


def _shown(text: str, job: ImportJob) -> str:
    # messages name the stored file: show the name the user uploaded instead
    return text.replace(job.stored_path, job.file_name)


def _refusal(err: CreditPilotError, job: ImportJob) -> dict[str, Any]:
    """A whole file's refusal as a code and params, so that the page says it in its language."""
    params = {k: _shown(v, job) if isinstance(v, str) else v for k, v in err.params.items()}
    return {"code": err.code, "params": params, "message": _shown(err.message, job)}


def _error_dicts(errors: list[Any], job: ImportJob) -> list[dict[str, Any]]:
    out = []
    for err in errors[:MAX_ERRORS_KEPT]:
        d = err.as_dict()
        d["file"] = job.file_name
        d["message"] = _shown(str(d["message"]), job)
        out.append(d)
    return out


def _stored_warnings(batch_id: int | None) -> list[Any]:
    """The warnings the import stored with its batch: codes and params where they have them."""
    batch = ImportBatch.objects.filter(pk=batch_id).first() if batch_id else None
    return list(batch.warnings)[:MAX_ERRORS_KEPT] if batch else []


def run_import_job(job_id: int) -> ImportJob:
    from creditpilot.accounts.audit import record
    from creditpilot.reports.positions import positions

    job = ImportJob.objects.select_related("company").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, stage="reading")

    def progress(stage: str) -> None:
        ImportJob.objects.filter(pk=job.pk).update(stage=stage[:20])

    kwargs: dict[str, Any] = {"accept_valid_rows": job.accept_valid_rows, "user": job.created_by}
    if job.kind == ImportBatch.Kind.FEC:
        kwargs.update(progress=progress, force=job.force, file_name=job.file_name)
    updates: dict[str, Any] = {}
    try:
        result = _importer(job.kind)(job.company, job.stored_path, **kwargs)
    except ImportRefusedError as err:
        updates = {
            "status": ImportJob.Status.REFUSED,
            "message": _shown(str(err), job)[:1000],
            "errors": _error_dicts(err.errors, job),
            "error_count": err.error_count,
        }
    except ForeignFecError as err:
        updates = {
            "status": ImportJob.Status.REFUSED,
            "message": _shown(str(err), job)[:1000],
            "warnings": [f.as_dict() for f in err.findings],
        }
    except CreditPilotError as err:
        updates = {
            "status": ImportJob.Status.REFUSED,
            "message": _shown(str(err), job)[:1000],
            "warnings": [_refusal(err, job)],
        }
    except Exception as err:  # the transaction was rolled back: say so, keep the job's record
        log.exception("import job %s failed", job.pk)
        updates = {
            "status": ImportJob.Status.FAILED,
            "message": f"internal error: {type(err).__name__}",
        }
    else:
        updates = {
            "status": ImportJob.Status.DONE,
            "changed": result.changed,
            "counts": result.counts,
            "errors": _error_dicts(result.skipped, job),
            "error_count": len(result.skipped),
            "batch_id": result.batch_id,
            "message": "; ".join(result.warnings)[:1000],
            "warnings": _stored_warnings(result.batch_id),
        }
    updates.update(stage="", finished_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(**updates)
    job.refresh_from_db()
    record(
        "import",
        company=job.company,
        username=job.created_by,
        object_type="import",
        object_ref=str(job.pk),
        after={"kind": job.kind, "file": job.file_name, "status": job.status, "counts": job.counts},
    )
    if job.status == ImportJob.Status.DONE and job.changed:
        # warm the cache the dashboard reads, so the first page after an import is fast
        try:
            positions(job.company, timezone.localdate())
        except Exception:  # a cache: the page computes it again if this fails
            log.exception("positions after import %s", job.pk)
    return job


def do_fail_interrupted_jobs() -> int:
    """Jobs left queued or running by a server that stopped: their import was rolled back.

    Called when the server starts, before any new job can run.
    """
    return ImportJob.objects.filter(
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(
        status=ImportJob.Status.FAILED,
        stage="",
        message="interrupted: the server stopped during the import; nothing was imported",
        finished_at=timezone.now(),
    )
