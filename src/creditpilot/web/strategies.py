"""Dunning strategies, their steps and the wording of their messages, edited in the browser."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.models import Step, Strategy
from creditpilot.collections.strategy_edit import (
    StepFields,
    do_delete_step,
    do_delete_strategy,
    do_save_step,
    do_save_strategy,
)
from creditpilot.collections.templates import (
    LANGUAGES,
    TEMPLATE_VARIABLES,
    TemplateError,
    check_template,
    company_template,
    default_keys,
    do_save_template,
    render_preview,
)
from creditpilot.core import dunning
from creditpilot.core.errors import CreditPilotError
from creditpilot.core.money import from_cents, to_cents
from creditpilot.web.access import company_view
from creditpilot.web.reasons import reason

CHANNEL_CHOICES = [
    ("email", gettext_lazy("Email")),
    ("letter+email", gettext_lazy("Letter and email")),
    ("email+call", gettext_lazy("Email and a call")),
    ("call", gettext_lazy("Call")),
    ("letter", gettext_lazy("Letter")),
    ("sms", "SMS"),
    ("task", gettext_lazy("Task")),
]
CONSEQUENCE_CHOICES = [
    ("none", gettext_lazy("none")),
    ("credit_hold", gettext_lazy("credit hold")),
    ("escalate_sales", gettext_lazy("ask the sales rep")),
    ("escalate_management", gettext_lazy("escalate to management")),
]
STRATEGY_ERRORS = {
    "same_day_steps": gettext_lazy("Two steps cannot fall on the same day."),
    "same_step_key": gettext_lazy("Two steps have the same name."),
    "bad_channel": gettext_lazy("Unknown channel."),
    "bad_consequence": gettext_lazy("Unknown consequence."),
    "default_strategy": gettext_lazy("The default strategy cannot be removed."),
    "strategy_name": gettext_lazy("A strategy needs a name."),
    "strategy_name_taken": gettext_lazy("A strategy already has this name."),
    "negative_amount": gettext_lazy("An amount cannot be negative."),
    "step_name": gettext_lazy("A step needs a name."),
}


def template_name(key: str) -> str:
    """A wording's name for people: the default step it was written for."""
    names = {s.key: s.name for s in dunning.DEFAULT_STEPS}
    return names.get(key, key.replace("_", " "))


def days_text(days: int) -> str:
    if days < 0:
        return ngettext(
            "%(n)s day before the due date", "%(n)s days before the due date", -days
        ) % {"n": -days}
    if days == 0:
        return _("on the due date")
    return ngettext("%(n)s day after the due date", "%(n)s days after the due date", days) % {
        "n": days
    }


class StrategyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    priority = forms.IntegerField(label=gettext_lazy("Priority (lower first)"), min_value=0)
    segments = forms.CharField(
        label=gettext_lazy("Segments (comma separated, empty: all)"), required=False
    )
    ratings = forms.CharField(
        label=gettext_lazy("Ratings (comma separated, empty: all)"), required=False
    )
    min_owed = forms.DecimalField(
        label=gettext_lazy("Minimum owed (EUR)"), min_value=0, decimal_places=2, initial=0
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class StepForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    days = forms.IntegerField(
        label=gettext_lazy("Days from the due date (negative: before)"),
        min_value=-365,
        max_value=3650,
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=CHANNEL_CHOICES)
    min_amount = forms.DecimalField(
        label=gettext_lazy("Minimum amount (EUR)"), min_value=0, decimal_places=2, initial=0
    )
    needs_approval = forms.BooleanField(
        label=gettext_lazy("A credit manager approves it first"), required=False
    )
    consequence = forms.ChoiceField(label=gettext_lazy("Consequence"), choices=CONSEQUENCE_CHOICES)
    is_formal_notice = forms.BooleanField(
        label=gettext_lazy("Formal notice (mise en demeure)"), required=False
    )
    template = forms.ChoiceField(label=gettext_lazy("Wording"), required=False, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [
            ("", "—"),
            *((k, template_name(k)) for k in default_keys()),
        ]


def _error(err: CreditPilotError) -> str:
    return str(STRATEGY_ERRORS.get(err.code, err.message))


def _strategies(scope: Scope) -> list[dict[str, Any]]:
    rows = []
    for strategy in Strategy.objects.filter(company=scope.company).prefetch_related("steps"):
        rows.append(
            {
                "strategy": strategy,
                "steps": [
                    {
                        "step": s,
                        "when": days_text(s.days),
                        "channel": dict(CHANNEL_CHOICES).get(s.channel, s.channel),
                        "consequence": dict(CONSEQUENCE_CHOICES).get(s.consequence, ""),
                    }
                    for s in strategy.steps.all()
                ],
            }
        )
    return rows


@company_view(post_action=Action.EDIT_DUNNING)
def strategy_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    form = StrategyForm(request.POST or None, initial={"priority": 100, "active": True})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data, min_owed=to_cents(form.cleaned_data["min_owed"]))
        try:
            strategy = do_save_strategy(scope.company, None, data, actor_of(request.user, request))
        except CreditPilotError as err:
            form.add_error(None, _error(err))
        else:
            messages.success(request, _("Strategy created."))
            return redirect("strategy", company=scope.company.code, strategy=strategy.pk)
    return render(
        request,
        "web/strategies.html",
        {
            "rows": _strategies(scope),
            "form": form,
            "can_edit": scope.can(Action.EDIT_DUNNING),
            "templates": [(key, template_name(key)) for key in default_keys()],
        },
    )


@company_view(post_action=Action.EDIT_DUNNING)
def strategy_detail(request: HttpRequest, scope: Scope, strategy: int) -> HttpResponse:
    found = Strategy.objects.filter(company=scope.company, pk=strategy).first()
    if found is None:
        raise Http404
    actor = actor_of(request.user, request)
    form = StrategyForm(
        initial={
            "name": found.name,
            "priority": found.priority,
            "segments": found.segments,
            "ratings": found.ratings,
            "min_owed": from_cents(found.min_owed),
            "active": found.active,
        }
    )
    step_form = StepForm(initial={"channel": "email", "consequence": "none", "min_amount": 0})
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "strategy":
                form = StrategyForm(request.POST)
                if form.is_valid():
                    data = dict(form.cleaned_data, min_owed=to_cents(form.cleaned_data["min_owed"]))
                    do_save_strategy(scope.company, found.pk, data, actor)
                    messages.success(request, _("Strategy saved."))
                    return redirect(request.path)
            elif what == "delete":
                do_delete_strategy(scope.company, found.pk, actor)
                messages.success(request, _("Strategy removed."))
                return redirect("strategies", company=scope.company.code)
            elif what == "delete_step":
                do_delete_step(scope.company, found.pk, int(request.POST["step"]), actor)
                messages.success(request, _("Step removed."))
                return redirect(request.path)
            else:
                step_form = StepForm(request.POST)
                if step_form.is_valid():
                    step_id = int(request.POST["step"]) if request.POST.get("step") else None
                    do_save_step(scope.company, found.pk, step_id, _fields(step_form), actor)
                    messages.success(request, _("Step saved."))
                    return redirect(request.path)
        except CreditPilotError as err:
            messages.error(request, _error(err))
    rows = [r for r in _strategies(scope) if r["strategy"].pk == found.pk]
    edit = Step.objects.filter(strategy=found, pk=request.GET.get("step") or 0).first()
    if edit is not None and request.method == "GET":
        step_form = StepForm(
            initial={
                **{f: getattr(edit, f) for f in StepForm.base_fields},
                "min_amount": from_cents(edit.min_amount),
            }
        )
    return render(
        request,
        "web/strategy.html",
        {
            "strategy": found,
            "row": rows[0],
            "form": form,
            "step_form": step_form,
            "editing": edit,
            "can_edit": scope.can(Action.EDIT_DUNNING),
        },
    )


def _fields(form: StepForm) -> StepFields:
    data = form.cleaned_data
    return StepFields(
        name=data["name"],
        days=data["days"],
        channel=data["channel"],
        min_amount=to_cents(data["min_amount"]),
        needs_approval=data["needs_approval"],
        consequence=data["consequence"],
        is_formal_notice=data["is_formal_notice"],
        template=data["template"] or "",
    )


@company_view(post_action=Action.EDIT_DUNNING)
def template_edit(
    request: HttpRequest, scope: Scope, key: str, language: str, variant: str
) -> HttpResponse:
    if (
        key not in default_keys()
        or language not in LANGUAGES
        or variant not in ("standard", "gentle")
    ):
        raise Http404
    gentle = variant == "gentle"
    subject, body = company_template(scope.company, key, language, gentle)
    customers = list(scope.customers().order_by("code").values_list("code", "name")[:500])
    chosen = request.POST.get("customer") or request.GET.get("customer") or ""
    try:
        day = date.fromisoformat(request.POST.get("as_of") or request.GET.get("as_of") or "")
    except ValueError:
        day = timezone.localdate()
    error = None
    preview = None
    if request.method == "POST":
        subject, body = request.POST.get("subject", ""), request.POST.get("body", "")
        try:
            if request.POST.get("what") == "save":
                do_save_template(
                    scope.company, key, language, gentle, subject, body,
                    actor_of(request.user, request),
                )  # fmt: skip
                messages.success(request, _("Wording saved."))
            else:
                check_template(subject, body)
        except TemplateError as err:
            error = _("%(field)s, line %(line)s: %(reason)s") % {
                "field": _("subject") if err.params["field"] == "subject" else _("body"),
                "line": err.line,
                "reason": _template_reason(err),
            }
    if error is None and chosen:
        customer = scope.customers().filter(code=chosen).first()
        if customer is not None:
            preview = render_preview(
                scope.company, customer, key, day, language, gentle, subject, body
            )
    return render(
        request,
        "web/template_edit.html",
        {
            "key": key,
            "name": template_name(key),
            "language": language,
            "variant": variant,
            "subject": subject,
            "body": body,
            "error": error,
            "preview": preview,
            "customers": customers,
            "chosen": chosen,
            "as_of": day,
            "variables": list(TEMPLATE_VARIABLES),
            "can_edit": scope.can(Action.EDIT_DUNNING),
        },
    )


def _template_reason(err: TemplateError) -> str:
    return reason({"code": err.code, "params": err.params, "message": err.message})
