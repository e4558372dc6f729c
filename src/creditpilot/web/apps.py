from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.web"
    label = "web"
