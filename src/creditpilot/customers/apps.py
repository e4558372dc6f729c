from django.apps import AppConfig


class Config(AppConfig):
    name = "creditpilot.customers"
    label = "customers"
