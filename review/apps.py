from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "部门审核"

    def ready(self) -> None:
        # Only a dispatcher: a submitted application is queued for verification on commit
        # (细则第五条: applicants see department results during the declaration).
        from django.db.models.signals import post_save

        from review.signals import application_saved
        from workflow.models import Application

        post_save.connect(
            application_saved, sender=Application, dispatch_uid="review.application_saved"
        )
