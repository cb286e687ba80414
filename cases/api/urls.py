"""/api/v1/ and its description: the schema, and docs served from Mend itself
(drf-spectacular-sidecar), so the page keeps the site's strict CSP."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cases.api import views

router = DefaultRouter()
# JSON only: no ".json" twins of every address in the schema.
router.include_format_suffixes = False
router.register("clients", views.ClientViewSet, basename="api-client")
router.register("cases", views.CaseViewSet, basename="api-case")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api_schema", template_name="api/docs.html"
            )
        ),
        name="api_docs",
    ),
    # Any other address under /api/ answers in JSON, as the API does.
    re_path(r"^", views.not_found, name="api_not_found"),
]
