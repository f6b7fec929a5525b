from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.accounts import api

router = SimpleRouter()
router.register("tokens", api.TokenViewSet, basename="token")
router.register("users", api.UserViewSet, basename="user")
router.register("teams", api.TeamViewSet, basename="team")

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="auth-token"),
    path("me/", api.MeView.as_view(), name="me"),
    *router.urls,
]
