"""The bridge between an application's indicator claims and the policy engine.

Each claim carries the part of facts format 1 its department verifies (the keys below);
an application's facts are the applicant's person and employer plus every claim's part.
Reviewers, the applicant's running score and the ranking all score through here, so they
can never disagree about which facts counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ranking.policy import FactsError, ScoreResult, parse_facts, score
from ranking.policy.identity import parse_id_number

# Which facts-format-1 keys each claim holds (the department that checks them decides them).
CLAIM_FACT_KEYS: dict[str, tuple[str, ...]] = {
    "eligibility": ("residence_permit", "criminal_record"),  # 公安局 (细则第十四条)
    "employment": ("social_insurance",),  # 人社局, 零填报
    "housing": ("housing",),  # 住建委 / 规划自然资源委
    "education": ("education",),  # 教委
    "job_residence_area": (),  # derived from housing and social insurance; planning confirms
    "innovation": ("awards", "equity"),  # 科委 / 宣传部 / 人社局
    "tax": ("tax",),  # 税务局, 零填报
    "age": (),  # from the identity number (公安局)
    "honors": ("honors",),  # 总工会 / 宣传部 / 民政局
    "law_record": ("detentions",),  # 公安局, 零填报
}
JOB_RESIDENCE_AREA = "job_residence_area"
FACT_KEY_CLAIM: dict[str, str] = {
    key: code for code, keys in CLAIM_FACT_KEYS.items() for key in keys
}

# Claim states whose department figures stand.
_DECIDED_WITH_FIGURES = {
    "verified",
    "adjusted",
    "rechecked",
    "appeal_upheld",
    "appeal_rejected",
    "recheck_requested",
    "appealed",
}
# A rejected claim contributes nothing: the declared facts were not borne out.
_REJECTED = {"rejected"}

# 2020年问答第十二问（历史数据能用尽用）: 去年填报有效的自有住所产权信息和国内学历学位信息没有
# 变化的，不必重复输入，直接选择即可. Own homes and degrees do not lapse; a rental ends with
# its lease, so only the own-home periods of a verified housing claim are offered again.
CARRY_OVER_INDICATORS = ("housing", "education")
OWN_HOUSING_KINDS = ("own", "spouse_own")


def carry_over_facts(indicator: str, verified: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What of an earlier verified claim may be declared again unchanged, or None."""
    verified = verified or {}
    if indicator == "housing":
        own = [p for p in verified.get("housing") or [] if p.get("kind") in OWN_HOUSING_KINDS]
        return {"housing": own} if own else None
    if indicator == "education":
        items = list(verified.get("education") or [])
        return {"education": items} if items else None
    return None


BASIS_EFFECTIVE = "effective"  # department figures where decided, the declaration where pending
BASIS_VERIFIED = "verified"  # department figures only: what ranking uses
BASIS_DECLARED = "declared"  # what the applicant declared: the 模拟 view


def claim_facts(
    *,
    state: str,
    declared: Mapping[str, Any] | None,
    verified: Mapping[str, Any] | None,
    basis: str,
) -> Mapping[str, Any]:
    """The facts one claim contributes under ``basis``."""
    if basis == BASIS_DECLARED:
        return declared or {}
    if state in _REJECTED:
        # A rejected claim still carries what the department found (e.g. zero-fill records).
        return verified or {}
    if verified is not None and (state in _DECIDED_WITH_FIGURES or basis == BASIS_VERIFIED):
        return verified
    if basis == BASIS_VERIFIED:
        return {}
    return declared or {}


def assemble_facts(
    *,
    year: int,
    policy_id: str,
    person: Mapping[str, Any],
    employer: Mapping[str, Any] | None,
    claims: Iterable[tuple[str, str, Mapping[str, Any] | None, Mapping[str, Any] | None]],
    basis: str = BASIS_EFFECTIVE,
) -> dict[str, Any]:
    """Build a facts-format-1 object from (indicator, state, declared, verified) tuples."""
    facts: dict[str, Any] = {"format": 1, "year": year, "policy": policy_id, "person": dict(person)}
    if employer:
        facts["employer"] = dict(employer)
    # 细则第十五条（四）: 职住区域 counts only for an applicant who declared it (and so must
    # settle in that home): a claim for it that its department has not rejected.
    facts["job_residence_area_declared"] = False
    for indicator, state, declared, verified in claims:
        if indicator == JOB_RESIDENCE_AREA:
            facts["job_residence_area_declared"] = basis == BASIS_DECLARED or state not in _REJECTED
            continue
        part = claim_facts(state=state, declared=declared, verified=verified, basis=basis)
        for key in CLAIM_FACT_KEYS.get(indicator, ()):
            if key in part:
                facts[key] = part[key]
    return facts


def person_facts(applicant: Any) -> dict[str, Any]:
    return person_facts_of(
        id_number=applicant.id_number, name=applicant.name, female_job=applicant.female_job
    )


def person_facts_of(
    *, id_number: str, name: str, female_job: str | None, derived: bool = True
) -> dict[str, Any]:
    """The facts' person. `derived`: with the gender and birth date the number holds, parsed
    once here (Applicant.gender and .birth_date would each parse it again). Without them
    `parse_facts` derives both, which is one parse for the ranking's bulk path, and a number
    that does not parse is then a FactsError on person.id_number, as at import."""
    person: dict[str, Any] = {
        "id_number": id_number,
        "name": name,
        "female_job": female_job or None,
    }
    if derived:
        identity = parse_id_number(id_number)
        person["gender"] = identity.gender
        person["birth_date"] = identity.birth_date.isoformat()
    return person


def employer_facts(employer: Any) -> dict[str, Any] | None:
    if employer is None:
        return None
    return employer_facts_of(credit_code=employer.credit_code, name=employer.name)


def employer_facts_of(*, credit_code: str, name: str) -> dict[str, Any]:
    return {"credit_code": credit_code, "name": name}


def application_facts(
    application: Any, *, basis: str = BASIS_EFFECTIVE, claims: Iterable[Any] | None = None
) -> dict[str, Any]:
    """Facts format 1 for one application (one query for its claims, none when the caller
    passes the application's IndicatorClaim objects it has already read)."""
    if claims is None:
        rows: Iterable[tuple[str, str, Any, Any]] = application.claims.values_list(
            "indicator", "state", "declared_facts", "verified_facts"
        )
    else:
        rows = [(c.indicator, c.state, c.declared_facts, c.verified_facts) for c in claims]
    return assemble_facts(
        year=application.round.year,
        policy_id=application.round.policy_id,
        person=person_facts(application.applicant),
        employer=employer_facts(application.employer),
        claims=rows,
        basis=basis,
    )


def application_score(
    application: Any, *, basis: str = BASIS_EFFECTIVE, claims: Iterable[Any] | None = None
) -> ScoreResult:
    """Score an application's facts; raises FactsError if its facts are not valid."""
    return score(parse_facts(application_facts(application, basis=basis, claims=claims)))


# The claims whose verified facts can count: a claim of any other indicator (age, the
# education deduction) holds no fact key, so its JSON is never read.
_SCORED_INDICATORS = [code for code, keys in CLAIM_FACT_KEYS.items() if keys] + [JOB_RESIDENCE_AREA]


def _ids_among(ids: Sequence[int]) -> Any:
    """The right side of an `id__in` filter for a chunk of ids: on PostgreSQL one array
    parameter, unnested, because 2,000 placeholders cost Django's lookup and psycopg's query
    parsing more than the query itself (0.02 s a chunk)."""
    from django.db import connection
    from django.db.models.expressions import RawSQL

    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return ids


def verified_scores(
    *, year: int, policy_id: str, application_ids: Sequence[int], chunk_size: int = 2000
) -> Iterator[tuple[int, ScoreResult | FactsError]]:
    """Score applications on the verified basis (the ranking's) for a round's year and policy,
    `chunk_size` applications at a time, in id order within a chunk: yields (application id,
    result or error), the same as `application_score(…, basis=BASIS_VERIFIED)` would give.

    Two queries a chunk, of plain columns (no model instances): the applications with their
    applicant and employer, and the claims' verified facts as JSON text. An application's
    texts are decoded in one go just before it is scored, so decoded facts live for one
    application, not a chunk (the garbage collector would walk them again and again). A
    job_residence_area claim counts by its state alone: its facts are not decoded."""
    # Django imports kept out of module import time.
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from workflow.models import Application, IndicatorClaim

    for start in range(0, len(application_ids), chunk_size):
        chunk = application_ids[start : start + chunk_size]
        claims_of: dict[int, list[tuple[str, str, str]]] = {}
        claim_rows = (
            IndicatorClaim.objects.filter(
                application_id__in=_ids_among(chunk), indicator__in=_SCORED_INDICATORS
            )
            .order_by()  # one claim per indicator: their order changes nothing
            .values_list(
                "application_id", "indicator", "state", Cast("verified_facts", TextField())
            )
        )
        for app_id, indicator, state, verified_json in claim_rows:
            if verified_json is None or indicator == JOB_RESIDENCE_AREA:
                verified_json = "null"
            claims_of.setdefault(app_id, []).append((indicator, state, verified_json))
        applications = (
            Application.objects.filter(pk__in=_ids_among(chunk))
            .order_by("pk")
            .values_list(
                "pk",
                "applicant__id_number",
                "applicant__name",
                "applicant__female_job",
                "employer_id",
                "employer__credit_code",
                "employer__name",
            )
        )
        for app_id, id_number, name, female_job, employer_id, *employer in applications:
            of_app = claims_of.get(app_id, ())
            # One decode of all the application's claims: each text is a JSON value.
            verified = json.loads(f"[{','.join([text for _, _, text in of_app])}]")
            facts = assemble_facts(
                year=year,
                policy_id=policy_id,
                person=person_facts_of(
                    id_number=id_number, name=name, female_job=female_job, derived=False
                ),
                employer=None
                if employer_id is None
                else employer_facts_of(credit_code=employer[0], name=employer[1]),
                # The verified basis never looks at the declaration.
                claims=[
                    (indicator, state, None, part)
                    for (indicator, state, _), part in zip(of_app, verified, strict=True)
                ],
                basis=BASIS_VERIFIED,
            )
            try:
                yield app_id, score(parse_facts(facts))
            except FactsError as error:
                yield app_id, error
