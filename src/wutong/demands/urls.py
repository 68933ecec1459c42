from django.urls import path

from wutong.demands import views

app_name = "demands"

urlpatterns = [
    path("", views.DemandListView.as_view(), name="demand_list"),
    path("new/", views.demand_create, name="demand_create"),
    path("stats/", views.demand_stats, name="demand_stats"),
    path("<int:pk>/", views.demand_detail, name="demand_detail"),
    path("<int:pk>/<slug:action>/", views.demand_action, name="demand_action"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_edit, name="category_create"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
