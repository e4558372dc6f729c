from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.companies"
    label = "companies"
