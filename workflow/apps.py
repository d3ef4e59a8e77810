from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "申报流程"

    def ready(self) -> None:
        # Bookkeeping for the login throttle only (which addresses failed for an account),
        # so that an administrator lifting an account's lock lifts theirs too.
        from django.contrib.auth.signals import user_login_failed

        from workflow.services.logins import login_failure_record

        user_login_failed.connect(login_failure_record, dispatch_uid="workflow.login_failed")

        # Notices: told after a move commits, never for a rollback (workflow.notice_events).
        from workflow.notice_events import on_transition_done
        from workflow.services.transitions import transition_listener_register

        transition_listener_register(on_transition_done)
        # A bulk move's notices are a job of their own: enqueued again if Redis loses it.
        from workflow.notice_events import NOTICE_JOB_KIND
        from workflow.reconcile import register_requeue

        register_requeue(NOTICE_JOB_KIND, enqueue="workflow.notice_events.notice_job_enqueue")

        # The claims' in-review flag and the queue tally are kept by database triggers; a
        # later migration that rebuilds a table on SQLite drops them, so they are installed
        # again after every migrate (and test flush). Idempotent.
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            _triggers_install, sender=self, dispatch_uid="workflow.triggers_install"
        )


def _triggers_install(sender, using: str = "default", **kwargs) -> None:
    from django.db import connections

    from workflow.triggers import triggers_install

    triggers_install(connections[using])
