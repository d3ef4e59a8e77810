from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

# One include per app; each app owns its urls.py (namespaced).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("simulator/", include("ranking.urls")),
    path("review/", include("review.urls")),
    path("publicity/", include("publicity.urls")),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("", include("workflow.urls")),
]
