from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "ranking"
    verbose_name = "积分排名"

    def ready(self) -> None:
        # The portal (workflow) shows the current ranking without importing ranking.
        from ranking.selectors import ranking_current
        from workflow.extensions import ranking_lookup_register

        ranking_lookup_register(ranking_current)
