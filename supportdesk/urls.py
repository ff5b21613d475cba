from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import monitoring

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="student:ticket_new", permanent=False)),
    path("admin/", admin.site.urls),
    path("health/", monitoring.DeskHealthView.as_view(), name="health"),
    path("metrics", monitoring.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split view: the init script is a separate same-origin request, so the CSP needs no inline script;
    # Swagger UI's files come from drf-spectacular-sidecar (SPECTACULAR_SETTINGS), not a CDN.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("tickets.api.urls")),
    path("telegram/", include("tgbot.urls")),
    path("", include("tickets.urls")),
]

# Under /api/ every error is JSON (tickets.api.errors); elsewhere Django's pages (templates/403.html, …).
handler400 = "supportdesk.views.bad_request"
handler403 = "supportdesk.views.permission_denied"
handler404 = "supportdesk.views.page_not_found"
handler500 = "supportdesk.views.server_error"
