from django.urls import re_path

from wutong.demands.open311 import views

app_name = "open311"

FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^services\.{FMT}$", views.service_list, name="service_list"),
    re_path(rf"^services/(?P<code>[-\w]+)\.{FMT}$", views.service_definition, name="service_definition"),
    re_path(rf"^requests\.{FMT}$", views.requests_view, name="requests"),
    re_path(rf"^requests/(?P<request_id>[-\w]+)\.{FMT}$", views.request_detail, name="request_detail"),
    re_path(rf"^tokens/(?P<token>[0-9a-fA-F-]{{32,36}})\.{FMT}$", views.token_detail, name="token_detail"),
]
