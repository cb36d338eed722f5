from django.urls import path

from apps.common.views import assets, health

app_name = "common"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", assets.favicon, name="favicon"),
]
