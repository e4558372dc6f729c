from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.forecast"
    label = "forecast"
    verbose_name = "forecast"
