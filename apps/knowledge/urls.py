from rest_framework.routers import SimpleRouter

from apps.knowledge.api import CollectionViewSet

router = SimpleRouter()
router.register("collections", CollectionViewSet, basename="collection")
urlpatterns = router.urls
