from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.engine.api import BatchViewSet, ComparisonView, NodeTypesView, RunViewSet

router = SimpleRouter()
router.register("runs", RunViewSet, basename="run")
router.register("batches", BatchViewSet, basename="batch")
urlpatterns = [
    path("node-types/", NodeTypesView.as_view(), name="node-types"),
    path("comparisons/<uuid:comparison_id>/", ComparisonView.as_view(), name="comparison"),
    *router.urls,
]
