from rest_framework.routers import SimpleRouter

from apps.vault.api import CredentialViewSet

router = SimpleRouter()
router.register("credentials", CredentialViewSet, basename="credential")
urlpatterns = router.urls
