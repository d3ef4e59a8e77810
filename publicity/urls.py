from django.urls import path

from publicity import views

app_name = "publicity"
urlpatterns = [
    path("<int:year>/", views.publicity_list, name="list"),
    path("<int:year>/list.<str:fmt>", views.publicity_download, name="download"),
    path("<int:year>/objection/", views.objection_create, name="objection"),
    path("manage/<int:year>/", views.manage_round, name="manage"),
    path("manage/<int:year>/list.<str:fmt>", views.manage_download, name="manage_download"),
    path("manage/objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("manage/settlements/<int:application_id>/", views.settlement_detail, name="settlement"),
    path("manage/applications/<int:application_id>/fraud/", views.fraud_create, name="fraud"),
]
