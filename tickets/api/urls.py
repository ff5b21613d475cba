from django.urls import include, path

from . import desk, reports, tools, views

api_patterns = (
    [
        path("tickets/", views.TicketListCreateApi.as_view(), name="tickets"),
        path("tickets/bulk/", tools.TicketBulkApi.as_view(), name="tickets-bulk"),
        path("tickets/<int:ticket_id>/", views.TicketDetailApi.as_view(), name="ticket"),
        path("tickets/<int:ticket_id>/override/", views.TicketOverrideApi.as_view(), name="ticket-override"),
        path("tickets/<int:ticket_id>/reply/", views.TicketReplyApi.as_view(), name="ticket-reply"),
        path("tickets/<int:ticket_id>/status/", views.TicketStatusApi.as_view(), name="ticket-status"),
        path("tickets/<int:ticket_id>/take/", views.TicketTakeApi.as_view(), name="ticket-take"),
        path("tickets/<int:ticket_id>/assign/", desk.TicketAssignApi.as_view(), name="ticket-assign"),
        path("tickets/<int:ticket_id>/notes/", desk.TicketNotesApi.as_view(), name="ticket-notes"),
        path("tickets/<int:ticket_id>/merge/", tools.TicketMergeApi.as_view(), name="ticket-merge"),
        path("queues/", views.QueueCountsApi.as_view(), name="queues"),
        path("reports/summary/", reports.ReportSummaryApi.as_view(), name="reports-summary"),
        path("public/tickets/<str:token>/", views.PublicTicketApi.as_view(), name="public-ticket"),
        path("public/tickets/<str:token>/feedback/", views.PublicTicketFeedbackApi.as_view(), name="public-ticket-feedback"),
        path("public/tickets/<str:token>/rating/", desk.PublicTicketRatingApi.as_view(), name="public-ticket-rating"),
    ],
    "api",
)

urlpatterns = [path("", include(api_patterns))]
