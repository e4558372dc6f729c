from django.apps import AppConfig
from django.db.models.signals import post_save


class Config(AppConfig):
    name = "creditpilot.collections"
    label = "collections_app"
    verbose_name = "collections"

    def ready(self) -> None:
        from creditpilot.collections.signals import (
            default_strategy_for_new_company,
            sync_disputes_after_import,
        )
        from creditpilot.companies.models import Company
        from creditpilot.receivables.models import ImportBatch

        post_save.connect(
            default_strategy_for_new_company, sender=Company, dispatch_uid="collections_strategy"
        )
        post_save.connect(
            sync_disputes_after_import, sender=ImportBatch, dispatch_uid="collections_disputes"
        )
