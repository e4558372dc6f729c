"""Dunning strategies in the store, to and from the core's ``Strategy``; the default one."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from creditpilot.collections.models import Step, Strategy
from creditpilot.companies.models import Company
from creditpilot.core import dunning


def create_default_strategy(strategy_model: Any, step_model: Any, company_id: int) -> Any:
    """The default strategy of issue 13 for a company that has none (models passed for migrations)."""
    if strategy_model.objects.filter(company_id=company_id).exists():
        return None
    strategy = strategy_model.objects.create(
        company_id=company_id, name="Standard", priority=1000, is_default=True
    )
    step_model.objects.bulk_create(
        step_model(
            strategy=strategy,
            key=s.key,
            name=s.name,
            days=s.days,
            channel=s.channel,
            min_amount=s.min_amount,
            needs_approval=s.needs_approval,
            consequence=s.consequence,
            is_formal_notice=s.is_formal_notice,
            template=s.key,
        )
        for s in dunning.DEFAULT_STEPS
    )
    return strategy


def do_ensure_default_strategy(company: Company) -> None:
    with transaction.atomic():
        create_default_strategy(Strategy, Step, company.id)


def _split(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(",") if p.strip())


def step_to_domain(s: Step) -> dunning.Step:
    return dunning.Step(
        s.key,
        s.name,
        s.days,
        s.channel,
        min_amount=s.min_amount,
        needs_approval=s.needs_approval,
        consequence=s.consequence,
        is_formal_notice=s.is_formal_notice,
        template=s.template,
    )


def to_domain(strategy: Strategy) -> dunning.Strategy:
    return dunning.Strategy(
        strategy.name,
        tuple(step_to_domain(s) for s in strategy.steps.all()),
        segments=_split(strategy.segments),
        ratings=_split(strategy.ratings),
        min_owed=strategy.min_owed,
    )


def company_strategies(company: Company) -> tuple[list[dunning.Strategy], dunning.Strategy]:
    """The active strategies in order of priority, and the default (the core's when none is set)."""
    rows = list(Strategy.objects.filter(company=company, active=True).prefetch_related("steps"))
    default = next((to_domain(s) for s in rows if s.is_default), dunning.default_strategy())
    return [to_domain(s) for s in rows if not s.is_default], default
