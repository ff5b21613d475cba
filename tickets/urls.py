from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import desk, operator, reports, satisfaction, student, tools

student_patterns = (
    [
        path("new/", student.ticket_new, name="ticket_new"),
        path("t/<str:token>/", student.ticket_status, name="ticket_status"),
        path("t/<str:token>/state.json", student.ticket_status_json, name="ticket_status_json"),
        path("t/<str:token>/feedback/", student.ticket_feedback, name="ticket_feedback"),
        path("t/<str:token>/rating/", satisfaction.ticket_rating, name="ticket_rating"),
        path("t/<str:token>/files/<int:attachment_id>/", student.attachment, name="attachment"),
        path("t/<str:token>/files/<int:attachment_id>/thumb/", student.attachment, {"thumbnail": True}, name="attachment_thumb"),
    ],
    "student",
)

operator_patterns = (
    [
        path("login/", auth_views.LoginView.as_view(template_name="operator/login.html", redirect_authenticated_user=True), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("", operator.dashboard, name="dashboard"),
        path("queues/<slug:slug>/", operator.queue_detail, name="queue"),
        path("search/", operator.ticket_search, name="search"),
        path("tickets/<int:ticket_id>/", operator.ticket_detail, name="ticket"),
        path("tickets/<int:ticket_id>/state.json", operator.ticket_state_json, name="ticket_state_json"),
        path("tickets/<int:ticket_id>/take/", operator.ticket_take, name="ticket_take"),
        path("tickets/<int:ticket_id>/reply/", operator.ticket_reply, name="ticket_reply"),
        path("tickets/<int:ticket_id>/status/", operator.ticket_status, name="ticket_status"),
        path("tickets/<int:ticket_id>/override/", operator.ticket_override, name="ticket_override"),
        path("tickets/<int:ticket_id>/not-support/", operator.ticket_close_out_of_scope, name="ticket_close_out_of_scope"),
        path("files/<int:attachment_id>/", operator.attachment, name="attachment"),
        path("files/<int:attachment_id>/thumb/", operator.attachment, {"thumbnail": True}, name="attachment_thumb"),
        path("quality/", operator.model_quality, name="quality"),
        # The operators' desk features (issue 12): views.desk
        path("mine/", desk.my_tickets, name="mine"),
        path("tickets/<int:ticket_id>/assign/", desk.ticket_assign, name="ticket_assign"),
        path("tickets/<int:ticket_id>/note/", desk.ticket_note, name="ticket_note"),
        path("notifications/", desk.notifications, name="notifications"),
        path("notifications.json", desk.notifications_json, name="notifications_json"),
        path("notifications/read/", desk.notifications_read, name="notifications_read"),
        path("notifications/settings/", desk.notification_settings, name="notification_settings"),
        path("available/", desk.availability, name="availability"),
        # Merging, bulk actions, canned answers (issue 12, second half): views.tools
        path("tickets/<int:ticket_id>/merge/", tools.ticket_merge, name="ticket_merge"),
        path("tickets/bulk/", tools.tickets_bulk, name="tickets_bulk"),
        path("macros/", tools.macros_page, name="macros"),
        path("macros/<int:macro_id>/", tools.macro_edit, name="macro_edit"),
        path("macros/<int:macro_id>/delete/", tools.macro_delete, name="macro_delete"),
        path("reports/", reports.reports, name="reports"),
        path("reports/export.csv", reports.reports_csv, name="reports_csv"),
    ],
    "operator",
)

urlpatterns = [
    path("support/", include(student_patterns)),
    path("desk/", include(operator_patterns)),
]
