from django.apps import AppConfig


class SiteminderImportConfig(AppConfig):
    name = "apps.siteminder_import"
    label = "siteminder_import"
    verbose_name = "SiteMinder import"
