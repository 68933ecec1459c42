from wutong.enterprises import urls_import, urls_manage

app_name = "enterprises"

urlpatterns: list = [*urls_manage.urlpatterns, *urls_import.urlpatterns]
