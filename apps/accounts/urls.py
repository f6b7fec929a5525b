from django.urls import path

from apps.accounts import api

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="auth-token"),
    path("me/", api.MeView.as_view(), name="me"),
]
