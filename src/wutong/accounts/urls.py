from django.contrib.auth import views as auth_views
from django.urls import path

from wutong.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("org-units/", views.OrgUnitListView.as_view(), name="orgunit_list"),
    path("org-units/new/", views.orgunit_create, name="orgunit_create"),
    path("org-units/<int:pk>/edit/", views.orgunit_edit, name="orgunit_edit"),
]
