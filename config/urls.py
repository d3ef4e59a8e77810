from django.contrib import admin
from django.urls import include, path

from publicity.views_home import home

# One include per app; each app owns its urls.py (namespaced).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("simulator/", include("ranking.urls")),
    path("review/", include("review.urls")),
    path("publicity/", include("publicity.urls")),
    path("", home, name="home"),
    path("", include("workflow.urls")),
]
