"""URL map: the dealer portal at the root, the back office, health and media."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, re_path
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve
from oauth2_provider.views import RevokeTokenView, TokenView

from dealerdesk.api.v1.api import api as api_v1
from dealerdesk.api.v1.errors import error_body
from dealerdesk.web.backoffice.site import backoffice_site
from dealerdesk.web.ops.health import healthz, readyz
from dealerdesk.web.ops.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("backoffice/", backoffice_site.urls),
    # OAuth2 for machine clients: client credentials in, a bearer token with scopes out.
    path("api/v1/oauth/token", csrf_exempt(TokenView.as_view()), name="oauth-token"),
    path("api/v1/oauth/revoke", csrf_exempt(RevokeTokenView.as_view()), name="oauth-revoke"),
    path("api/v1/", api_v1.urls),
    path("", include("dealerdesk.web.portal.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address nothing answers: under the API, in the API's error shape (a client reads
    JSON, not a page); elsewhere, the site's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No such address in the API."), status=404)
    return defaults.page_not_found(request, exception)


handler404 = not_found
