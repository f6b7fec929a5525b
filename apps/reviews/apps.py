from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from apps.reviews import signals  # noqa: F401 - live inboxes follow team changes
