"""Imports in the browser: upload, follow the job, read the result; the history of imports."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from creditpilot.accounts.audit import record
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.core.errors import CreditPilotError
from creditpilot.orchestration.imports import do_submit_import
from creditpilot.receivables.models import ImportJob
from creditpilot.web.access import company_view
from creditpilot.web.forms import ImportForm


def _jobs(scope: Scope):  # type: ignore[no-untyped-def]
    if scope.own_customers_only:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(company=scope.company)


@company_view(post_action=Action.IMPORT)
def import_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    if scope.own_customers_only:
        raise Http404("imports")
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = do_submit_import(
                    scope.company,
                    form.cleaned_data["kind"],
                    form.cleaned_data["file"],
                    user=request.user.get_username(),
                    accept_valid_rows=form.cleaned_data["accept_valid_rows"],
                    force=form.cleaned_data["force"],
                )
            except CreditPilotError as err:
                form.add_error("file", str(err))
            else:
                record(
                    "import_submitted",
                    user=request.user,
                    company=scope.company,
                    object_type="import",
                    object_ref=str(job.pk),
                    after={"kind": job.kind, "file": job.file_name, "size": job.size},
                    request=request,
                )
                return redirect("import", company=scope.company.code, job=job.pk)
    batches = Paginator(scope.imports().order_by("-created_at", "-id"), 30).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "can_import": scope.can(Action.IMPORT),
        "jobs": _jobs(scope)[:20],
        "batches": batches,
    }
    return render(request, "web/imports.html", context, status=400 if form.errors else 200)


def _job(scope: Scope, job_id: int) -> ImportJob:
    job = _jobs(scope).filter(pk=job_id).first()
    if job is None:
        raise Http404("import")
    return job


@company_view()
def import_detail(request: HttpRequest, scope: Scope, job: int) -> HttpResponse:
    return render(request, "web/import.html", {"job": _job(scope, job)})


@company_view()
def import_status(request: HttpRequest, scope: Scope, job: int) -> JsonResponse:
    found = _job(scope, job)
    return JsonResponse(
        {
            "id": found.pk,
            "status": found.status,
            "stage": found.stage,
            "finished": found.is_finished,
            "changed": found.changed,
            "counts": found.counts,
            "error_count": found.error_count,
        }
    )
