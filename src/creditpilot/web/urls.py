from django.urls import path

from creditpilot.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
