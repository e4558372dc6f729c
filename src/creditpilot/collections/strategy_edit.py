"""Editing dunning strategies and their steps: checked by the core, audited, never re-sending.

A step keeps its key when it is edited, so what was sent under it is never sent
again; a new step gets a fresh key. The default strategy cannot be removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from creditpilot.audit.services import Actor, record
from creditpilot.collections.models import Step, Strategy
from creditpilot.collections.strategies import step_to_domain
from creditpilot.companies.models import Company
from creditpilot.core import dunning
from creditpilot.core.errors import InvalidInputError, NotFoundError


@dataclass(frozen=True)
class StepFields:
    name: str
    days: int
    channel: str
    min_amount: int = 0  # cents
    needs_approval: bool = False
    consequence: str = "none"
    is_formal_notice: bool = False
    template: str = ""


def _strategy(company: Company, strategy_id: int) -> Strategy:
    found = Strategy.objects.select_for_update().filter(company=company, pk=strategy_id).first()
    if found is None:
        raise NotFoundError("strategy_not_found", f"no strategy {strategy_id}")
    return found


@transaction.atomic
def do_save_strategy(
    company: Company, strategy_id: int | None, fields: dict[str, Any], actor: Actor
) -> Strategy:
    """Create or change a strategy's name, priority, criteria and whether it is active."""
    name = str(fields.get("name", "")).strip()
    if not name:
        raise InvalidInputError("strategy_name", "a strategy needs a name")
    if Strategy.objects.filter(company=company, name=name).exclude(pk=strategy_id).exists():
        raise InvalidInputError("strategy_name_taken", f"a strategy is already named {name!r}")
    strategy = _strategy(company, strategy_id) if strategy_id else Strategy(company=company)
    before = _strategy_json(strategy) if strategy_id else None
    strategy.name = name
    strategy.priority = int(fields.get("priority", strategy.priority or 100))
    strategy.segments = ",".join(_words(fields.get("segments", "")))
    strategy.ratings = ",".join(w.upper() for w in _words(fields.get("ratings", "")))
    strategy.min_owed = int(fields.get("min_owed", 0))
    if strategy.min_owed < 0:
        raise InvalidInputError("negative_amount", "the minimum owed cannot be negative")
    strategy.active = bool(fields.get("active", True)) or strategy.is_default
    strategy.save()
    record(
        "strategy_saved",
        company_id=company.pk,
        actor=actor,
        object_type="strategy",
        object_ref=strategy.name,
        before=before,
        after=_strategy_json(strategy),
    )
    return strategy


@transaction.atomic
def do_delete_strategy(company: Company, strategy_id: int, actor: Actor) -> None:
    strategy = _strategy(company, strategy_id)
    if strategy.is_default:
        raise InvalidInputError("default_strategy", "the default strategy cannot be removed")
    before = _strategy_json(strategy)
    strategy.delete()
    record(
        "strategy_deleted",
        company_id=company.pk,
        actor=actor,
        object_type="strategy",
        object_ref=before["name"],
        before=before,
    )


@transaction.atomic
def do_save_step(
    company: Company, strategy_id: int, step_id: int | None, fields: StepFields, actor: Actor
) -> Step:
    """Add a step or change one (its key stays: a step sent is never sent again)."""
    strategy = _strategy(company, strategy_id)
    steps = list(strategy.steps.all())
    step = next((s for s in steps if s.pk == step_id), None)
    if step_id and step is None:
        raise NotFoundError("step_not_found", f"no step {step_id}")
    if fields.min_amount < 0:
        raise InvalidInputError("negative_amount", "the minimum amount cannot be negative")
    if not fields.name.strip():
        raise InvalidInputError("step_name", "a step needs a name")
    before = _step_json(step) if step else None
    if step is None:
        step = Step(strategy=strategy, key=_new_key(fields.name, {s.key for s in steps}))
    for name, value in fields.__dict__.items():
        setattr(step, name, value.strip() if isinstance(value, str) else value)
    step.template = step.template or step.key
    others = [s for s in steps if s.pk != step.pk]
    dunning.check_steps([step_to_domain(s) for s in [*others, step]])
    step.save()
    record(
        "step_saved",
        company_id=company.pk,
        actor=actor,
        object_type="strategy",
        object_ref=strategy.name,
        before=before,
        after=_step_json(step),
    )
    return step


@transaction.atomic
def do_delete_step(company: Company, strategy_id: int, step_id: int, actor: Actor) -> None:
    strategy = _strategy(company, strategy_id)
    step = strategy.steps.filter(pk=step_id).first()
    if step is None:
        raise NotFoundError("step_not_found", f"no step {step_id}")
    before = _step_json(step)
    step.delete()
    record(
        "step_deleted",
        company_id=company.pk,
        actor=actor,
        object_type="strategy",
        object_ref=strategy.name,
        before=before,
    )


def _new_key(name: str, taken: set[str]) -> str:
    base = (slugify(name).replace("-", "_") or "step")[:36]
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _words(text: Any) -> list[str]:
    return [w.strip() for w in str(text or "").split(",") if w.strip()]


def _strategy_json(strategy: Strategy) -> dict[str, Any]:
    return {
        "name": strategy.name,
        "priority": strategy.priority,
        "segments": strategy.segments,
        "ratings": strategy.ratings,
        "min_owed": strategy.min_owed,
        "active": strategy.active,
    }


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "key": step.key,
        "name": step.name,
        "days": step.days,
        "channel": step.channel,
        "min_amount": step.min_amount,
        "needs_approval": step.needs_approval,
        "consequence": step.consequence,
        "template": step.template,
    }
