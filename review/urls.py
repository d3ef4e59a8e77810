from django.urls import path

from review import views, views_review_loop

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("rechecks/", views.queue, {"kind": "recheck"}, name="rechecks"),
    path("appeals/", views.queue, {"kind": "appeal"}, name="appeals"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/decide/", views.claim_decide_view, name="decide"),
    path("claims/<int:pk>/supplement/", views_review_loop.claim_supplement, name="supplement"),
    path("claims/<int:pk>/originals/", views_review_loop.claim_originals, name="originals"),
    path("supplements/", views.queue, {"kind": "supplement"}, name="supplements"),
    path(
        "claims/<int:pk>/joint-check/", views_review_loop.claim_joint_check, name="joint_check_open"
    ),
    path("joint-checks/", views_review_loop.joint_checks, name="joint_checks"),
    path("joint-checks/<int:pk>/", views_review_loop.joint_check_detail, name="joint_check"),
    path("windows/", views_review_loop.windows, name="windows"),
    path(
        "originals/<int:pk>/record/",
        views_review_loop.originals_record_view,
        name="originals_record",
    ),
    path("bulk/", views.bulk_decide, name="bulk"),
    path("export/<slug:what>.<slug:fmt>", views.export, name="export"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("records/<slug:kind>/", views.records, name="records"),
]
