from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "ranking"
    verbose_name = "积分排名"

    def ready(self) -> None:
        # The portal (workflow) shows the current ranking without importing ranking.
        from ranking.scoring import scores_store_final
        from ranking.selectors import ranking_current
        from ranking.services import ranking_mark_stale
        from workflow.extensions import (
            ranked_list_listener_register,
            ranking_lookup_register,
            results_final_listener_register,
        )
        from workflow.models import Phase
        from workflow.phase_jobs import register_phase_job

        ranking_lookup_register(ranking_current)
        ranked_list_listener_register(ranking_mark_stale)
        # 细则第三条: results fixed, facts final: score once, so the ranking only orders.
        results_final_listener_register(scores_store_final)
        # 细则第三条 fourth phase: once the results are fixed, the 同分同落 ranking.
        register_phase_job(Phase.RECHECK_RANKING, "ranking.tasks.rank_round", on="exit")
