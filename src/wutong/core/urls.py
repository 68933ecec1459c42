from django.urls import path

from wutong.core import reference_views, views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("reference/industries/", reference_views.IndustryListView.as_view(), name="industry_list"),
    path("reference/streets/", reference_views.StreetListView.as_view(), name="street_list"),
    path("reference/parks/", reference_views.ParkListView.as_view(), name="park_list"),
    path("reference/holidays/", reference_views.holiday_list, name="holiday_list"),
    path("reference/holidays/add/", reference_views.holiday_add, name="holiday_add"),
    path("reference/holidays/import/", reference_views.holiday_import, name="holiday_import"),
    path("reference/holidays/<int:pk>/delete/", reference_views.holiday_delete, name="holiday_delete"),
]
