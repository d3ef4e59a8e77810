"""落户办理 rules that need no database: the family-planning certificate exemption of
细则第十一条（二） and where a settlement may be registered (细则第十二条; 职住区域, 2020年
政策问答).

Plain values in, plain values out: the birth dates of the applicant's children, the kind of
home; no clock (the dates are the children's, not today's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

# 细则第十一条（二）: the day the two-child policy applies from (全面两孩, 2016-01-01).
TWO_CHILD_POLICY_FROM = dt.date(2016, 1, 1)
ARTICLE_FAMILY_PLANNING = "细则第十一条（二）"


@dataclass(frozen=True, slots=True)
class FamilyPlanningDecision:
    """Whether the 符合计划生育政策凭证 must be submitted, and the rule that decided it."""

    required: bool
    rule: str  # the clause in words, shown to the applicant and the district office
    article: str = ARTICLE_FAMILY_PLANNING


def family_planning_certificate(
    birth_dates: Sequence[dt.date], *, accompanying: int
) -> FamilyPlanningDecision:
    """细则第十一条（二）: 随迁子女系 2016 年 1 月 1 日（不含）以前生育第一孩、2016 年 1 月 1 日
    以后生育第二孩，或 2016 年 1 月 1 日（含）以后生育两孩以内的，可不提交符合计划生育政策凭证.

    ``birth_dates`` are all the applicant's children (accompanying or not: the clause counts
    the family's births, 第一孩/第二孩, not only the minors who move), ``accompanying`` how
    many of them move with the applicant. "2016年1月1日以后" for the second child is read as
    the (含) of the clause's other half: a child born on 2016-01-01 is born under the
    two-child policy.
    """
    if accompanying == 0:
        return FamilyPlanningDecision(False, "无随迁子女，不需提交符合计划生育政策凭证")
    births = sorted(birth_dates)
    after = [b for b in births if b >= TWO_CHILD_POLICY_FROM]
    if len(births) <= 2 and len(after) == len(births):
        return FamilyPlanningDecision(
            False, "2016年1月1日（含）以后生育两孩以内，可不提交符合计划生育政策凭证"
        )
    if len(births) == 2 and births[0] < TWO_CHILD_POLICY_FROM <= births[1]:
        return FamilyPlanningDecision(
            False,
            "2016年1月1日（不含）以前生育第一孩、2016年1月1日以后生育第二孩，"
            "可不提交符合计划生育政策凭证",
        )
    return FamilyPlanningDecision(
        True, "不属于可免交的情形，须提交户籍地县级计划生育行政部门出具的符合计划生育政策凭证"
    )


# 细则第十二条: 可以办理落户手续的合法住房, and the unit's collective household.
HOME_OWN = "own_home"  # 自有住房: 房屋所有权证或不动产权证书, 规划用途为住宅
HOME_DIRECT_PUBLIC = "direct_public"  # 直管公房: 公有住房租赁合同
HOME_UNIT_PUBLIC = "unit_public"  # 自管公房: 单位出具的住房分配通知单
COLLECTIVE = "collective"  # 单位集体户

HOME_DOCUMENTS: dict[str, str] = {
    HOME_OWN: "房屋所有权证或不动产权证书（规划用途为住宅）",
    HOME_DIRECT_PUBLIC: "公有住房租赁合同",
    HOME_UNIT_PUBLIC: "单位出具的住房分配通知单",
    COLLECTIVE: "单位集体户口落户证明",
}


def settlement_place_problem(*, kind: str, scored_job_residence: bool) -> str | None:
    """Why the chosen place cannot take the settlement, or None.

    2020年政策问答: 获得职住区域指标加分的申请人在取得落户资格后，还应当在该自有住所落户 —
    the points were given for living in one's own home outside the six central districts, so
    such an applicant settles there: not in public housing, not in the unit's collective
    household.
    """
    if kind not in HOME_DOCUMENTS:
        return "请选择落户地址类型"
    if scored_job_residence and kind != HOME_OWN:
        return "您取得了职住区域指标积分，须在该自有住所落户（2020年政策问答：职住区域指标）"
    return None
