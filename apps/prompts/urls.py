from rest_framework.routers import SimpleRouter

from apps.prompts.api import PromptViewSet

router = SimpleRouter()
router.register("prompts", PromptViewSet, basename="prompt")
urlpatterns = router.urls
