from django.urls import path, register_converter

from publicity import views, views_settlement
from publicity.views_approvals import approvals, approve_list, approve_quota
from publicity.views_audit import list_audit


class DownloadFormatConverter:
    """Only the formats a published list is offered in; any other suffix is not a page."""

    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DownloadFormatConverter, "download_format")

app_name = "publicity"
urlpatterns = [
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/statistics.csv", views.statistics_download, name="statistics_download"),
    path("<int:year>/", views.publicity_list, name="list"),
    path("<int:year>/list.<download_format:fmt>", views.publicity_download, name="download"),
    path("<int:year>/objection/", views.objection_create, name="objection"),
    path("manage/<int:year>/", views.manage_round, name="manage"),
    path("manage/<int:year>/rank/", views.rank_confirm, name="rank"),
    path("manage/<int:year>/list.<str:fmt>", views.manage_download, name="manage_download"),
    path("manage/objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("manage/applications/<int:application_id>/fraud/", views.fraud_create, name="fraud"),
    path("manage/credit-exports/", views.credit_export_list, name="credit_exports"),
    path(
        "manage/credit-exports/<int:pk>.<str:fmt>",
        views.credit_export_download,
        name="credit_export_download",
    ),
]

# 核验公示名单 (public): its own module, so the list pages' views stay theirs.
urlpatterns += [path("audit/", list_audit, name="audit")]

# 市政府审批 (细则第十条): the approver accounts' page.
urlpatterns += [
    path("approvals/", approvals, name="approvals"),
    path("approvals/<int:year>/quota/", approve_quota, name="approve_quota"),
    path("approvals/<int:year>/list/<int:run_id>/", approve_list, name="approve_list"),
]

# 落户办理 (细则第十一条、第十二条): the applicant's page and papers, the queues of the chain.
urlpatterns += [
    path("settlement/", views_settlement.settlement_mine, name="settlement_mine"),
    path("settlement/start/", views_settlement.settlement_start, name="settlement_start"),
    path(
        "settlement/materials/", views_settlement.settlement_materials, name="settlement_materials"
    ),
    path(
        "settlement/children/", views_settlement.settlement_child_add, name="settlement_child_add"
    ),
    path(
        "settlement/children/<int:child_id>/remove/",
        views_settlement.settlement_child_remove,
        name="settlement_child_remove",
    ),
    path("settlement/submit/", views_settlement.settlement_submit, name="settlement_submit"),
    path(
        "settlement/<int:application_id>/<slug:kind>.pdf",
        views_settlement.settlement_pdf,
        name="settlement_pdf",
    ),
    path("manage/settlements/", views_settlement.settlement_queue, name="settlement_queue"),
    path(
        "manage/settlements/<int:application_id>/",
        views_settlement.settlement_detail,
        name="settlement",
    ),
]
