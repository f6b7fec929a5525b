"""ASGI entry point: Django for HTTP (webhooks on a short path), Channels for the live-event WebSockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.core.settings.base")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from apps.accounts.authentication import TokenAuthMiddleware  # noqa: E402
from apps.core.routing import websocket_urlpatterns  # noqa: E402
from apps.workflows.hooks import HooksApp  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": HooksApp(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
