from django.urls import path

from wutong.enterprises import urls_import, urls_manage, views

app_name = "enterprises"

urlpatterns: list = [
    path("", views.EnterpriseListView.as_view(), name="enterprise_list"),
    path("search/", views.enterprise_search, name="search"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    *urls_manage.urlpatterns,
    *urls_import.urlpatterns,
]
