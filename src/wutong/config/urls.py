from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from wutong.core.views import healthz

handler403 = "wutong.core.views.permission_denied"

urlpatterns = [
    path("", include("wutong.core.urls")),
    path("accounts/", include("wutong.accounts.urls")),
    path("enterprises/", include("wutong.enterprises.urls")),
    path("visits/", include("wutong.visits.urls")),
    path("demands/", include("wutong.demands.urls")),
    path("investment/", include("wutong.investment.urls")),
    path("qualifications/", include("wutong.qualifications.urls")),
    path("open311/v2/", include("wutong.demands.open311.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("admin/", admin.site.urls),
]
