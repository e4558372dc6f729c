from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.risk"
    label = "risk"
    verbose_name = "risk"
