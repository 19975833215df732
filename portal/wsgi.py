import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# Each gunicorn worker imports this module after the fork (no preload): tracing is set up per
# process, before Django builds its middleware chain (when OTEL_* asks for it; else nothing).
from portal.telemetry import WEB, telemetry_configure

telemetry_configure(service_name=WEB)
application = get_wsgi_application()
