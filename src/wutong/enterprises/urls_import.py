"""URLs of the registry's import pages (included by ``enterprises/urls.py``)."""

from wutong.enterprises.views_import import pages

urlpatterns = pages.urlpatterns()
