from django.urls import path

from apps.common.views import assets, health, metrics

app_name = "common"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("favicon.ico", assets.favicon, name="favicon"),
]
