from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.collections"
    label = "collections_app"
    verbose_name = "collections"
