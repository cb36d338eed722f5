from django.contrib.admin.apps import AdminConfig


class KeywayAdminConfig(AdminConfig):
    default_site = "config.admin.KeywayAdminSite"
