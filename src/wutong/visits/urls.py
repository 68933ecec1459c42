from django.urls import path

from wutong.visits import views

app_name = "visits"

urlpatterns: list = [
    path("", views.VisitListView.as_view(), name="visit_list"),
    path("new/", views.visit_create, name="visit_create"),
    path("new/warnings/", views.visit_warnings, name="visit_warnings"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/record/", views.visit_record, name="visit_record"),
    path("<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("<int:pk>/follow-up/<slug:key>/", views.visit_follow_up, name="visit_follow_up"),
    path("lists/", views.keylist_list, name="keylist_list"),
    path("lists/new/", views.keylist_create, name="keylist_create"),
    path("lists/<int:pk>/", views.keylist_detail, name="keylist_detail"),
    path("lists/<int:pk>/members/", views.keylist_add_members, name="keylist_add_members"),
    path("lists/<int:pk>/members/filtered/", views.keylist_add_filtered, name="keylist_add_filtered"),
    path("lists/<int:pk>/assign/", views.keylist_assign_leader, name="keylist_assign_leader"),
    path("lists/<int:pk>/coverage/", views.keylist_coverage, name="keylist_coverage"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("brief/<int:pk>/", views.brief, name="brief"),
    path("brief/<int:pk>/docx/", views.brief_docx, name="brief_docx"),
]
