"""What a reviewer's decision on a claim can be, and what each means for the figures.

Pure data shared by every place a claim is decided (the back office, the admin, scripted
reviewers): one vocabulary, so a label never says something the decision does not do.
"""

from __future__ import annotations

from workflow.models import ClaimState

# First review of a pending claim (细则第六条).
REVIEW_DECISIONS = {
    "verify": "审核通过（按申报信息核定；零填报指标按部门记录）",
    "reject": "审核不通过（本指标不计分）",
    "adjust": "调整审核结果（按审核人员填写的核定信息）",
}
# A recheck (复查, 细则第五条) or an appeal (申诉, 细则第八条): each outcome says whose figures
# stand, and the points are recomputed from them.
RECONSIDERATION_DECISIONS = {
    "uphold": "成立（按申请人申报的信息核定，重新计分）",
    "dismiss": "不成立（维持部门原核定信息和分值）",
    "adjust": "调整（按审核人员填写的核定信息重新计分）",
}
RECONSIDERED_STATES = (ClaimState.RECHECK_REQUESTED, ClaimState.APPEALED)
# Short words for messages ("已成立。") and the bulk confirmation.
DECISION_WORDS = {
    "verify": "审核通过",
    "reject": "审核不通过",
    "adjust": "调整",
    "uphold": "成立",
    "dismiss": "不成立",
}
DECISIONS = {**REVIEW_DECISIONS, **RECONSIDERATION_DECISIONS}


def decisions_for(state: str) -> dict[str, str]:
    """The decisions a claim in ``state`` can take, with what each means for the figures."""
    if state in RECONSIDERED_STATES:
        return RECONSIDERATION_DECISIONS
    return REVIEW_DECISIONS
