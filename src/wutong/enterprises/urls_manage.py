"""URLs of the registry's management pages (included by ``enterprises/urls.py``)."""

from django.urls import path

from wutong.enterprises import views_manage

urlpatterns: list = [
    path("new/", views_manage.enterprise_create, name="enterprise_create"),
    path("<int:pk>/edit/", views_manage.enterprise_edit, name="enterprise_edit"),
    path("<int:pk>/merge/", views_manage.enterprise_merge, name="enterprise_merge"),
    path("<int:pk>/figures/new/", views_manage.annual_report_edit, name="annual_report_create"),
    path("<int:pk>/figures/<int:year>/", views_manage.annual_report_edit, name="annual_report_edit"),
    path("duplicates/", views_manage.duplicate_list, name="duplicate_list"),
    path("duplicates/<int:pk>/merge/", views_manage.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<int:pk>/dismiss/", views_manage.duplicate_dismiss, name="duplicate_dismiss"),
    path("contacts/<int:pk>/phone/", views_manage.contact_reveal, name="contact_reveal"),
]
