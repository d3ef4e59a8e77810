from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "部门审核"

    def ready(self) -> None:
        # The core's services say when a submitted application's declaration changed; review
        # verifies it after the commit (细则第五条: results during the declaration).
        from review.services.verification import verification_enqueue
        from workflow.extensions import declaration_listener_register
        from workflow.models import Phase
        from workflow.phase_jobs import register_phase_job
        from workflow.reconcile import register_requeue

        declaration_listener_register(verification_enqueue)
        # 细则第六条: departments verify by data exchange once the declaration is over.
        register_phase_job(Phase.AGGREGATION, "review.tasks.verify_round")
        # What the reconciliation enqueues again when Redis or a worker lost it (issue 14).
        register_requeue(
            "review.verify.chunk", enqueue="review.services.verification.verification_chunk_enqueue"
        )
        register_requeue(
            "review.import",
            enqueue="review.services.imports.batch_enqueue_again",
            fail="review.services.imports.batch_run_failed",
        )
