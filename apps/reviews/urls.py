from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.reviews import api

router = SimpleRouter()
router.register("reviews", api.ReviewTaskViewSet, basename="review")
urlpatterns = [path("metrics/reviews/", api.ReviewMetricsView.as_view(), name="review-metrics"), *router.urls]
