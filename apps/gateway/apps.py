from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "apps.gateway"
    label = "gateway"
    verbose_name = "Model gateway"

    def ready(self) -> None:
        from apps.gateway import signals  # noqa: F401 - price table changes
