from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.engine.api import BatchViewSet, NodeTypesView, RunViewSet

router = SimpleRouter()
router.register("runs", RunViewSet, basename="run")
router.register("batches", BatchViewSet, basename="batch")
urlpatterns = [path("node-types/", NodeTypesView.as_view(), name="node-types"), *router.urls]
