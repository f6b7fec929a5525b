from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.gateway import api

router = SimpleRouter()
router.register("model-profiles", api.ModelProfileViewSet, basename="model-profile")
router.register("llm-calls", api.LLMCallViewSet, basename="llm-call")
urlpatterns = [path("metrics/llm/", api.LLMMetricsView.as_view(), name="llm-metrics"), *router.urls]
