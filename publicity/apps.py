from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = "公示落户"

    def ready(self) -> None:
        # The core asks publicity, without importing it (docs/architecture.md): whether an
        # objection holds a qualification back, and a barred party's credit record.
        from publicity.selectors import credit_record_latest
        from publicity.services import objection_holds_qualification
        from publicity.services_settlement import settlement_hold, settlement_notices_on_done
        from workflow.extensions import (
            credit_record_lookup_register,
            qualification_hold_register,
            settlement_hold_register,
        )
        from workflow.models import Phase
        from workflow.phase_jobs import register_phase_job

        qualification_hold_register(objection_holds_qualification)
        credit_record_lookup_register(credit_record_latest)
        # 细则第十一条、第十二条: the core settles an application only at the end of the chain;
        # each step of it is told to the applicant after it commits.
        settlement_hold_register(settlement_hold)
        from workflow.services.transitions import transition_listener_register

        transition_listener_register(settlement_notices_on_done)
        # 细则第十条: the list goes public on entering 公示 (before the listed are publicized),
        # and at its end the listed without an objection are qualified.
        register_phase_job(
            Phase.PUBLICITY,
            "publicity.tasks.publish_round",
            before="workflow.phase_jobs.publicize_ranked",
        )
        register_phase_job(Phase.CLOSED, "publicity.tasks.qualify_round")
