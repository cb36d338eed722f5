import os

import django
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

# Tracing instruments Django's middleware list, so it is set up before the handler loads it.
django.setup(set_prefix=False)
from apps.common.tracing import tracing_setup  # noqa: E402  (needs the settings)

tracing_setup()
application = get_wsgi_application()
