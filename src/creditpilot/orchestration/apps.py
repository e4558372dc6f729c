from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.orchestration"
    label = "orchestration"
