from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.steering"
    label = "steering"
    verbose_name = "steering"
