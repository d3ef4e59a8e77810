from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = "公示落户"

    def ready(self) -> None:
        # The core's qualification asks publicity whether an objection holds it back.
        from publicity.services import objection_holds_qualification
        from workflow.services import qualification_hold_register

        qualification_hold_register(objection_holds_qualification)
