"""REST API of the team lead's reports (issue 12). Thin, as views.py: the figures come from selectors.report_summary."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from .. import selectors
from .report_serializers import ReportQuerySerializer, ReportSummarySerializer
from .views import OperatorApiView


class ReportSummaryApi(OperatorApiView):
    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="the last N local days, today included: 1..365 (default 30)")],
        responses={200: ReportSummarySerializer},
        summary="Reports: tickets, automatic answers, response and resolution times, SLA, satisfaction, corrections "
                "(the queues you may see; an invalid days is a 400)",
    )
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.report_summary(request.user, days=query.validated_data["days"])
        return Response(ReportSummarySerializer(report).data)
