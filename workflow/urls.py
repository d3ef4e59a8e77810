from django.urls import path

from workflow.views import accounts, applicant, evidence, integrity, notices, review_loop, unit

app_name = "workflow"
urlpatterns = [
    path("register/", accounts.register, name="register"),
    path("register/applicant/", accounts.register_applicant, name="register_applicant"),
    path("register/unit/", accounts.register_unit, name="register_unit"),
    # 申请人
    path("apply/", applicant.dashboard, name="applicant"),
    path("apply/employer/", applicant.name_employer, name="name_employer"),
    path("apply/begin/", applicant.begin, name="begin"),
    path("apply/submit/", applicant.submit, name="submit"),
    path("apply/indicators/<slug:code>/", applicant.indicator, name="indicator"),
    path("apply/indicators/<slug:code>/evidence/", applicant.upload, name="upload"),
    path("apply/indicators/<slug:code>/carry-over/", applicant.carry_over, name="carry_over"),
    path("apply/indicators/<slug:code>/recheck/", applicant.recheck, name="recheck"),
    path("apply/indicators/<slug:code>/appeal/", applicant.appeal, name="appeal"),
    # 补件与原件查验 (细则第七条)
    path("apply/supplements/<int:pk>/", review_loop.supplement, name="supplement"),
    path("apply/originals/<int:pk>/", review_loop.originals, name="originals"),
    path(
        "apply/originals/<int:pk>/cancel/",
        review_loop.originals_cancel_view,
        name="originals_cancel",
    ),
    path("apply/originals/<int:pk>/slip.pdf", review_loop.originals_slip, name="originals_slip"),
    # 用人单位
    path("apply/applications/<int:pk>/renounce/", integrity.renounce, name="renounce"),
    path(
        "applications/<int:pk>/criminal-record-report/",
        integrity.criminal_record_report,
        name="criminal_record_report",
    ),
    path("unit/", unit.dashboard, name="unit"),
    path("unit/applications/<int:pk>/", unit.detail, name="unit_application"),
    path("unit/applications/<int:pk>/confirm/", unit.confirm, name="unit_confirm"),
    path("unit/applications/confirm/", unit.confirm_many, name="unit_confirm_many"),
    path("unit/applications/<int:pk>/reject/", unit.reject, name="unit_reject"),
    # 站内通知
    path("notices/", notices.inbox, name="notices"),
    path("notices/<int:pk>/read/", notices.read, name="notice_read"),
    path("notices/read-all/", notices.read_all, name="notices_read_all"),
    path("notices/preferences/", notices.preferences, name="notice_preferences"),
    # 证明材料
    path("evidence/<int:pk>/", evidence.download, name="evidence"),
    path("evidence/<int:pk>/delete/", evidence.delete, name="evidence_delete"),
    path("evidence/<int:pk>/replace/", evidence.replace, name="evidence_replace"),
]
