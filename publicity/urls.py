from django.urls import path, register_converter

from publicity import views
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
    path("manage/settlements/<int:application_id>/", views.settlement_detail, name="settlement"),
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
