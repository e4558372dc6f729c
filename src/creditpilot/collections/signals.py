"""Collections listens to the ledger: after an import, the ``disputed`` flags become disputes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from creditpilot.collections.services import do_sync_imported_disputes
from creditpilot.receivables.models import ImportBatch

PARIS = ZoneInfo("Europe/Paris")


def sync_disputes_after_import(
    sender: type[ImportBatch], instance: ImportBatch, created: bool, **kwargs: Any
) -> None:
    # an import saves its batch when it starts and again, with its counts, when it is done
    if not created:
        do_sync_imported_disputes(instance.company, datetime.now(PARIS).date())
