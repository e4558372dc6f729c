"""Imports asked for in the browser or the API: the file is kept, then imported by a job.

``do_submit_import`` checks the upload (size, kind), stores it under the data
directory with a harmless name, records a queued ``ImportJob`` and puts the
``import_file`` job in the queue, in one transaction. A worker runs it with the
same services as the command line (atomic: a refused or failed import leaves
the store as it was, so running it again is safe) and records its stages,
counts or every rejected row. Uploaded files are never served back.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import CreditPilotError, InvalidInputError
from creditpilot.orchestration.queue import JobGoneError, is_last_attempt, job
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.guards import ForeignFecError
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.receivables.models import ImportBatch, ImportJob
from creditpilot.receivables.services import ImportRefusedError, ImportResult, do_import_fec
from creditpilot.reports.positions import positions

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 1000
ALLOWED_SUFFIXES = {".txt", ".csv", ".tsv", ".xlsx", ".xls", ".ods", ".fec", ""}
IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    "fec": do_import_fec,
    "customers": do_import_customers,
    "invoices": do_import_invoices,
}


def safe_file_name(name: str) -> str:
    """The upload's base name reduced to harmless characters.

    >>> safe_file_name("../../etc/passwd"), safe_file_name("FEC 2025<script>.txt")
    ('passwd', 'FEC_2025_script_.txt')
    """
    base = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return cleaned[:120] or "upload"


def _check_upload(kind: str, upload: UploadedFile) -> str:
    """The upload's harmless file name, or the reason it is refused."""
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
    name = safe_file_name((upload.name or "upload")[:255])
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise InvalidInputError("unsupported_file", f"unsupported file type {Path(name).suffix!r}")
    return name


def do_submit_import(
    company: Company,
    kind: str,
    upload: UploadedFile,
    *,
    user: str,
    accept_valid_rows: bool = False,
    force: bool = False,
) -> ImportJob:
    name = _check_upload(kind, upload)
    folder = Path(settings.UPLOAD_DIR) / str(company.id) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    with transaction.atomic():
        job = ImportJob.objects.create(
            company=company,
            kind=kind,
            file_name=(upload.name or "upload")[:255],
            stored_path=str(target),
            size=upload.size or 0,
            accept_valid_rows=accept_valid_rows,
            force=force,
            created_by=user,
        )
        if settings.IMPORTS_IN_BACKGROUND:
            import_file.enqueue(job.id, company.code, job.file_name)
        else:  # tests: the import runs once the job's row is committed
            transaction.on_commit(lambda: run_import_job(job.id))
    return job


def _shown(text: str, job: ImportJob) -> str:
    # messages name the stored file: show the name the user uploaded instead
    return text.replace(job.stored_path, job.file_name)


def _refusal(err: CreditPilotError, job: ImportJob) -> dict[str, Any]:
    """A whole file's refusal as a code and params, so that the page says it in its language."""
    params = {k: _shown(v, job) if isinstance(v, str) else v for k, v in err.params.items()}
    return {"code": err.code, "params": params, "message": _shown(err.message, job)}


def _stored_warnings(batch_id: int | None) -> list[Any]:
    """The warnings the import stored with its batch: codes and params where they have them."""
    batch = ImportBatch.objects.filter(pk=batch_id).first() if batch_id else None
    return list(batch.warnings)[:MAX_ERRORS_KEPT] if batch else []


def _error_dicts(errors: list[Any], job: ImportJob) -> list[dict[str, Any]]:
    out = []
    for err in errors[:MAX_ERRORS_KEPT]:
        d = err.as_dict()
        d["file"] = job.file_name
        d["message"] = _shown(str(d["message"]), job)
        out.append(d)
    return out


def _import(job: ImportJob, *, final_attempt: bool) -> dict[str, Any]:
    """The import itself (one transaction), told as the job's new fields."""

    def progress(stage: str) -> None:
        ImportJob.objects.filter(pk=job.pk).update(stage=stage[:20])

    kwargs: dict[str, Any] = {"accept_valid_rows": job.accept_valid_rows, "user": job.created_by}
    if job.kind == ImportBatch.Kind.FEC:
        kwargs.update(progress=progress, force=job.force, file_name=job.file_name)
    try:
        result = IMPORTERS[job.kind](job.company, job.stored_path, **kwargs)
    except ImportRefusedError as err:
        return {
            "status": ImportJob.Status.REFUSED,
            "message": _shown(str(err), job)[:1000],
            "errors": _error_dicts(err.errors, job),
            "error_count": err.error_count,
        }
    except ForeignFecError as err:
        return {
            "status": ImportJob.Status.REFUSED,
            "message": _shown(str(err), job)[:1000],
            "warnings": [f.as_dict() for f in err.findings],
        }
    except CreditPilotError as err:
        return {
            "status": ImportJob.Status.REFUSED,
            "message": _shown(str(err), job)[:1000],
            "warnings": [_refusal(err, job)],
        }
    except Exception as err:  # the transaction was rolled back: nothing was imported
        if not final_attempt:
            raise  # the queue tries it again after a pause
        log.exception("import job %s failed", job.pk)
        return {
            "status": ImportJob.Status.FAILED,
            "message": f"internal error: {type(err).__name__}",
        }
    return {
        "status": ImportJob.Status.DONE,
        "changed": result.changed,
        "counts": result.counts,
        "errors": _error_dicts(result.skipped, job),
        "error_count": len(result.skipped),
        "batch_id": result.batch_id,
        "message": "; ".join(result.warnings)[:1000],
        "warnings": _stored_warnings(result.batch_id),
    }


def run_import_job(job_id: int, *, final_attempt: bool = True) -> ImportJob:
    """Import the job's file and record the outcome; audited; warms the day's positions."""
    job = ImportJob.objects.select_related("company").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, stage="reading", message=""
    )
    updates = _import(job, final_attempt=final_attempt)
    updates.update(stage="", finished_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(**updates)
    job.refresh_from_db()
    if not (job.status == ImportJob.Status.DONE and job.changed):
        # an import that changed the ledger was audited inside its own transaction
        record(
            "import",
            actor=Actor(username=job.created_by),
            company_id=job.company_id,
            object_type="import",
            object_ref=f"job {job.pk}",
            after={
                "kind": job.kind,
                "file": job.file_name,
                "status": job.status,
                "counts": job.counts,
            },
        )
    if job.status == ImportJob.Status.DONE and job.changed:
        # warm the cache the dashboard reads, so the first page after an import is fast
        try:
            positions(job.company, timezone.localdate())
        except Exception:  # a cache: the page computes it again if this fails
            log.exception("positions after import %s", job.pk)
    return job


def _import_retried(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    ImportJob.objects.filter(pk=args[0]).update(
        status=ImportJob.Status.QUEUED,
        stage="",
        message=f"attempt failed ({reason[:300]}); nothing was imported; it will be tried again",
    )


def _import_given_up(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    ImportJob.objects.filter(pk=args[0]).exclude(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.REFUSED]
    ).update(
        status=ImportJob.Status.FAILED,
        stage="",
        message=f"failed: {reason[:900]}; nothing was imported",
        finished_at=timezone.now(),
    )


@job(on_retry=_import_retried, on_give_up=_import_given_up)
def import_file(context: TaskContext, job_id: int, company: str, file_name: str) -> str:
    """The job that imports a submitted file (company and file name: for the messages)."""
    if not ImportJob.objects.filter(pk=job_id).exists():
        raise JobGoneError(
            f"import #{job_id} of {file_name!r}: company {company!r} was removed after the "
            "file was submitted; nothing was imported"
        )
    return str(run_import_job(job_id, final_attempt=is_last_attempt(context)).status)


def do_fail_interrupted_jobs() -> int:
    """Imports left queued or running that no job in the queue will finish: marked failed.

    They were interrupted by a stop before the queue existed (or their job row was
    removed); their import was rolled back. A queued or running job is left to the
    workers. Called when the server starts.
    """
    pending = DBTaskResult.objects.filter(
        task_path=import_file.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True)
    followed = {a["args"][0] for a in pending if a.get("args")}
    return (
        ImportJob.objects.filter(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
        .exclude(pk__in=followed)
        .update(
            status=ImportJob.Status.FAILED,
            stage="",
            message="interrupted: the server stopped during the import; nothing was imported",
            finished_at=timezone.now(),
        )
    )
