"""Collections listens to the store: a new company gets the default strategy; after an import,
the ``disputed`` flags become disputes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from creditpilot.collections.services import do_sync_imported_disputes
from creditpilot.collections.strategies import do_ensure_default_strategy
from creditpilot.companies.models import Company
from creditpilot.receivables.models import ImportBatch

PARIS = ZoneInfo("Europe/Paris")


def sync_disputes_after_import(
    sender: type[ImportBatch], instance: ImportBatch, created: bool, **kwargs: Any
) -> None:
    # an import saves its batch when it starts and again, with its counts, when it is done
    if not created:
        do_sync_imported_disputes(instance.company, datetime.now(PARIS).date())


def default_strategy_for_new_company(
    sender: type[Company], instance: Company, created: bool, **kwargs: Any
) -> None:
    if created and not kwargs.get("raw"):
        do_ensure_default_strategy(instance)
