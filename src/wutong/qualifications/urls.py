from django.urls import path

from wutong.qualifications import views

app_name = "qualifications"

urlpatterns = [
    path("", views.home, name="home"),
    path("screenings/", views.run_list, name="run_list"),
    path("screenings/<int:pk>/", views.run_detail, name="run_detail"),
    path("results/", views.ScreeningResultListView.as_view(), name="result_list"),
    path("pools/", views.pool_list, name="pool_list"),
    path("pools/new/", views.pool_create, name="pool_create"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("calendar/", views.calendar, name="calendar"),
    path("ladder/", views.ladder, name="ladder"),
    path("enterprise/<int:pk>/assess/", views.assess_view, name="assess"),
    path("enterprise/<int:pk>/estimate/", views.estimate_view, name="estimate"),
]
