from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.receivables"
    label = "receivables"
