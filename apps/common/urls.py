from django.urls import path

from apps.common.views import health

app_name = "common"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
