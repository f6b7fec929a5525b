from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "apps.gateway"
    label = "gateway"
    verbose_name = "Model gateway"

    def ready(self) -> None:
        from django.conf import settings

        from apps.gateway import signals, telemetry  # noqa: F401 - signals: price table changes

        # Once per process (a Celery pool's children inherit it; its export thread restarts on fork).
        telemetry.configure(endpoint=getattr(settings, "OTEL_EXPORTER_OTLP_ENDPOINT", None))
