from django.urls import path

from wutong.core import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("reference/industries/", views.dashboard, name="industry_list"),
]
