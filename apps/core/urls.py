"""Root URLs: admin, login, the API under /api/v1/, its schema and docs, /healthz, the app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.accounts.forms import ThrottledAuthenticationForm
from apps.core import views
from apps.gateway import prometheus
from apps.workflows.hooks import webhook

api_v1 = [
    path("", include("apps.accounts.urls")),
    path("", include("apps.workflows.urls")),
    path("", include("apps.engine.urls")),
    path("", include("apps.prompts.urls")),
    path("", include("apps.vault.urls")),
    path("", include("apps.audit.urls")),
    path("", include("apps.gateway.urls")),
    path("", include("apps.knowledge.urls")),
    path("", include("apps.reviews.urls")),
    path("health/", views.HealthView.as_view(), name="health"),
    path("live-check/", views.LiveCheckView.as_view(), name="live-check"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", prometheus.metrics_view, name="prometheus-metrics"),
    path("hooks/<str:token>/", webhook, name="webhook"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(
        redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
    ), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", views.app_shell, name="app"),
    # The browser app's own pages (its router takes over inside the page).
    re_path(
        r"^(?:workflows|prompts|runs|batches|status|account|audit|credentials|models|usage|reviews|knowledge)(?:/.*)?$",
        views.app_shell,
        name="app-page",
    ),
]

admin.site.site_header = "Sluice administration"
admin.site.site_title = "Sluice"
