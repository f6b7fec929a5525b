"""WebSocket URL routes (HTTP routes are in ``urls``)."""

from django.urls import path

from apps.core.consumers import UserEventsConsumer

websocket_urlpatterns = [
    path("ws/events/", UserEventsConsumer.as_asgi()),
]
