from django.urls import include, path

from creditpilot.api.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("creditpilot.web.urls")),
]
