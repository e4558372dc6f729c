from typing import Any

from django.apps import AppConfig


def _sync_positions(sender: Any, customer: Any, **_: Any) -> None:
    # positions.py pulls polars: loaded on the first customer change, not at every start
    from creditpilot.reports.positions import sync_customer

    sync_customer(customer)


class Config(AppConfig):
    name = "creditpilot.reports"
    label = "reports"

    def ready(self) -> None:
        from creditpilot.customers.signals import customer_changed  # models are loaded only now

        customer_changed.connect(_sync_positions, dispatch_uid="reports.sync_customer")
