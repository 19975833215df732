"""``GET /v1/ping``: the smallest DRF endpoint (no authentication, no database), for connectivity
checks — and the baseline that the payments benchmark compares against."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class PingView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="ping",
        summary="Connectivity check",
        responses=inline_serializer("Ping", {"status": serializers.CharField()}),
        tags=["Service"],
    )
    def get(self, request):
        return Response({"status": "ok"})
