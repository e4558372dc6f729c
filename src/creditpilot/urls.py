from django.urls import include, path

urlpatterns = [
    path("", include("creditpilot.web.urls")),
]
