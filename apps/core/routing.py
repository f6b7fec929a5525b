"""WebSocket URL routes (HTTP routes are in ``urls``)."""

from django.urls import path

from apps.core.consumers import UserEventsConsumer
from apps.engine.consumers import RunEventsConsumer
from apps.reviews.consumers import ReviewEventsConsumer

websocket_urlpatterns = [
    path("ws/events/", UserEventsConsumer.as_asgi()),
    path("ws/runs/<uuid:run_id>/", RunEventsConsumer.as_asgi()),
    path("ws/reviews/", ReviewEventsConsumer.as_asgi()),
]
