from rest_framework.routers import SimpleRouter

from apps.audit.api import AuditViewSet

router = SimpleRouter()
router.register("audit", AuditViewSet, basename="audit")
urlpatterns = router.urls
