"""Core HTTP views: the app shell, /healthz and the live-events check. All thin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import services
from apps.core.health import health_report


@require_GET
@never_cache
def healthz(request):
    """200 when the database, the broker and at least one worker are up; 503 otherwise."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def app_shell(request):
    """The single page of the browser app; the React bundle takes over inside it."""
    return render(request, "app.html")


class HealthView(APIView):
    """The /healthz report for the signed-in app: always 200, the status is in the body."""

    @extend_schema(responses={200: inline_serializer("Health", {"status": serializers.CharField()})})
    def get(self, request):
        _, report = health_report()
        return Response(report)


class LiveCheckView(APIView):
    """Ask a worker to send an event to your WebSockets on /ws/events/ (proves the live path)."""

    @extend_schema(
        request=None,
        responses={202: inline_serializer("LiveCheck", {"id": serializers.UUIDField()})},
    )
    def post(self, request):
        check_id = services.live_check_start(user_id=request.user.pk)
        return Response({"id": check_id}, status=status.HTTP_202_ACCEPTED)
