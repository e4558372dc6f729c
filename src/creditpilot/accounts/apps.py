from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.accounts"
    label = "accounts"

    def ready(self) -> None:
        from creditpilot.accounts import signals  # noqa: F401  (sign-in events into the audit log)
