"""URLs of the registry's import pages (included by ``enterprises/urls.py``)."""

from django.urls import path

from wutong.enterprises import views_import

urlpatterns: list = [
    path("import/", views_import.import_upload, name="import_upload"),
    path("import/template/<str:kind>.xlsx", views_import.import_template, name="import_template"),
    path("import/batches/<int:pk>/", views_import.importbatch_detail, name="importbatch_detail"),
    path("import/batches/<int:pk>/confirm/", views_import.importbatch_confirm, name="importbatch_confirm"),
    path(
        "import/batches/<int:pk>/rejected.xlsx",
        views_import.importbatch_rejected,
        name="importbatch_rejected",
    ),
]
