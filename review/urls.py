from django.urls import path

from review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("rechecks/", views.queue, {"kind": "recheck"}, name="rechecks"),
    path("appeals/", views.queue, {"kind": "appeal"}, name="appeals"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/decide/", views.claim_decide_view, name="decide"),
    path("bulk/", views.bulk_decide, name="bulk"),
    path("export/<slug:what>.<slug:fmt>", views.export, name="export"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("records/<slug:kind>/", views.records, name="records"),
]
