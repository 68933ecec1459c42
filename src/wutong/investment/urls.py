from django.urls import path

from wutong.investment import views

app_name = "investment"

urlpatterns: list = [
    path("", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.project_form, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_form, name="project_edit"),
    path("targets/", views.TargetListView.as_view(), name="target_list"),
    path("targets/new/", views.target_form, name="target_create"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("targets/<int:pk>/edit/", views.target_form, name="target_edit"),
    path("lists/", views.targetlist_index, name="targetlist_index"),
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("plan/", views.plan, name="plan"),
    path("funnel/", views.funnel, name="funnel"),
    path("chains/", views.chain_map, name="chain_map"),
    path("chains/<int:pk>/", views.chain_detail, name="chain_detail"),
    path("chains/new/", views.chain_create, name="chain_create"),
    path("chains/segments/new/", views.segment_create, name="segment_create"),
    path("spaces/", views.SpaceListView.as_view(), name="space_list"),
    path("spaces/new/", views.space_create, name="space_create"),
    path("leads/", views.LeadListView.as_view(), name="lead_list"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/rescore/", views.lead_rescore, name="lead_rescore"),
    *views.import_pages.urlpatterns(),
]
