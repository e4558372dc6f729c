from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.reports"
    label = "reports"
