from django.apps import AppConfig
from django.db.models.signals import post_save


class Config(AppConfig):
    name = "creditpilot.collections"
    label = "collections_app"
    verbose_name = "collections"

    def ready(self) -> None:
        from creditpilot.collections.signals import sync_disputes_after_import
        from creditpilot.receivables.models import ImportBatch

        post_save.connect(
            sync_disputes_after_import, sender=ImportBatch, dispatch_uid="collections_disputes"
        )
