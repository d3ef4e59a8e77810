# ruff: noqa: S311 - a simulation's draws must be reproducible from the seed, not secret
"""What the scripted actors do, drawn from the seed before anyone acts (pure Python).

No ORM and no clock: the population's true facts (ranking.population) and one seed in,
each applicant's declaration and behaviour out. Every later choice (a reviewer's decision,
whether to ask for a recheck or appeal) is drawn from a generator keyed by the seed, the
applicant's place in the population and the indicator (`choice`), never from the order in
which the database hands rows back: a worker on PostgreSQL and eager tasks on SQLite then
make the same choices, so the same seed gives the same round.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ranking.policy import FactsError, parse_facts
from ranking.policy.tables import DISTRICTS
from workflow.facts import CLAIM_FACT_KEYS
from workflow.indicators import DECLARED_CODES

# Each applicant's behaviour, as probabilities. Honest declarations are the rule: most claims
# are borne out by the department records and verified by the data exchange (细则第六条).
P_UNIT_REJECTS = 0.02  # the unit does not confirm the affiliation (单位不予确认)
P_NAMES_UNIT_AGAIN = 0.5  # of those: clears it up with the unit, which then confirms
P_ABANDONS = 0.01  # starts but never submits: withdrawn when the declaration closes
P_WITHDRAWS = 0.005  # submits, then withdraws (细则第五条: 申报阶段内可撤回)
P_OVERCLAIMS_EDUCATION = 0.02  # a degree the 教委 has no record of → manual queue
P_EARLIER_HOUSING = 0.04  # housing months before the registration → adjusted by the data exchange
P_WRONG_DISTRICT = 0.01  # another district than registered → manual queue
P_DEGREE_NOT_ON_FILE = 0.01  # a true degree missing from the 教委's data → manual queue
# Later choices, per claim.
P_RECHECK = 0.4  # an adjusted claim: the applicant asks for a recheck (复查, 细则第五条)
P_RECHECK_CORRECTED = 0.1  # the department changes its result on recheck
P_APPEAL = 0.5  # an adverse result (adjusted, rejected, rechecked): 申诉 (细则第八条)
P_REVIEWER_ERRS = 0.1  # a reviewer rejects a true claim (the appeal then corrects it)
P_MISMATCH_REJECTED = 0.15  # a false claim rejected outright rather than adjusted
# 细则第七条: a manual-queue claim the reviewer asks documents for (补件; the first always),
# and an applicant who lets the deadline pass (补件逾期: decided on what is there).
P_SUPPLEMENT = 0.3
P_SUPPLEMENT_MISSED = 0.25

HOUSING_OWNED = ("own", "spouse_own")
LEVELS = ("junior_college", "bachelor", "master", "doctor")


def choice(seed: int, *parts: Any) -> random.Random:
    """A generator for one decision (str seeds hash with SHA-512: stable across processes)."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


@dataclass
class ApplicantScript:
    """One applicant's truth and behaviour. The facts and the declaration are kept packed
    (zlib-compressed JSON, about a tenth of the objects' size) and unpacked on each read:
    130,000 of them as Python objects would take 750 MB of the driver's 1 GB."""

    index: int  # place in the generated population
    packed_facts: bytes  # the truth (facts format 1), which the departments' records bear out
    packed_declared: bytes  # indicator → the facts part declared
    id_number: str
    misstated: set[str] = field(default_factory=set)  # indicators declared other than true
    unit_rejects: bool = False
    names_unit_again: bool = False
    abandons: bool = False
    withdraws: bool = False
    degree_not_on_file: bool = False

    @classmethod
    def of(
        cls, index: int, facts: Mapping[str, Any], declared: Mapping[str, Any], **behaviour: Any
    ) -> ApplicantScript:
        return cls(
            index=index,
            packed_facts=_pack(facts),
            packed_declared=_pack(declared),
            id_number=facts["person"]["id_number"],
            **behaviour,
        )

    @property
    def facts(self) -> dict[str, Any]:
        return _unpack(self.packed_facts)

    @property
    def declared(self) -> dict[str, dict[str, Any]]:
        return _unpack(self.packed_declared)

    def truthful(self, indicator: str) -> bool:
        return indicator not in self.misstated


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode(), 6)


def _unpack(packed: bytes) -> Any:
    return json.loads(zlib.decompress(packed))


def _months_earlier(month: str, months: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def true_declaration(facts: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What an honest applicant declares (the portal's forms' shapes); zero-fill is not declared."""
    declared: dict[str, dict[str, Any]] = {}
    if facts.get("housing"):
        declared["housing"] = {"housing": [dict(p) for p in facts["housing"]]}
    if facts.get("education"):
        declared["education"] = {"education": [dict(e) for e in facts["education"]]}
    if any(p["kind"] in HOUSING_OWNED for p in facts.get("housing") or []):
        declared["job_residence_area"] = {}  # nothing to type: derived by the department
    if facts.get("awards") or facts.get("equity"):
        declared["innovation"] = {
            "awards": list(facts.get("awards") or []),
            "equity": facts.get("equity"),
        }
    if facts.get("honors"):
        declared["honors"] = {"honors": list(facts["honors"])}
    assert set(declared) <= set(DECLARED_CODES)
    return declared


def _valid(facts: Mapping[str, Any], declared: Mapping[str, Mapping[str, Any]]) -> bool:
    # The portal's form checks a declaration with the policy engine before it is saved; a
    # misstatement the form would refuse is not made.
    whole = {key: value for key, value in facts.items() if key not in _DECLARED_KEYS}
    for part in declared.values():
        whole.update(part)
    try:
        parse_facts(whole)
    except FactsError:
        return False
    return True


_DECLARED_KEYS = {key for code in DECLARED_CODES for key in CLAIM_FACT_KEYS[code]}


def _overclaim_education(facts: Mapping[str, Any], rng: random.Random) -> dict | None:
    items = facts.get("education") or []
    if not items:
        return None
    highest = max(items, key=lambda e: LEVELS.index(e["level"]))
    if highest["level"] == LEVELS[-1]:
        return None
    graduated = int(highest["graduated_on"][:4]) + 2 + rng.randrange(3)
    if graduated > facts["year"] - 1:
        return None
    extra = {
        "level": LEVELS[LEVELS.index(highest["level"]) + 1],
        "diploma": True,
        "degree": True,
        "graduated_on": f"{graduated}-06-30",
    }
    return {"education": [*(dict(e) for e in items), extra]}


def _earlier_housing(facts: Mapping[str, Any], rng: random.Random) -> dict | None:
    periods = sorted((dict(p) for p in facts.get("housing") or []), key=lambda p: p["from"])
    if not periods:
        return None
    periods[0]["from"] = _months_earlier(periods[0]["from"], 12 + rng.randrange(25))
    return {"housing": periods}


def _wrong_district(facts: Mapping[str, Any], rng: random.Random) -> dict | None:
    periods = [dict(p) for p in facts.get("housing") or []]
    if not periods:
        return None
    others = sorted(DISTRICTS - {periods[-1]["district"]})
    periods[-1]["district"] = others[rng.randrange(len(others))]
    return {"housing": periods}


def applicant_scripts(population: Iterable[dict[str, Any]], *, seed: int) -> list[ApplicantScript]:
    """One script per generated applicant. Every applicant draws the same number of numbers,
    whatever they turn out to do, so one applicant's choices never shift another's."""
    rng = random.Random(f"{seed}:applicants")
    scripts = []
    for index, facts in enumerate(population):
        draws = [rng.random() for _ in range(8)]
        detail = random.Random(rng.getrandbits(64))
        declared = true_declaration(facts)
        misstated: set[str] = set()
        unit_rejects = draws[0] < P_UNIT_REJECTS
        abandons = draws[2] < P_ABANDONS
        for draw, probability, indicator, misstate in (
            (draws[5], P_OVERCLAIMS_EDUCATION, "education", _overclaim_education),
            (draws[6], P_EARLIER_HOUSING, "housing", _earlier_housing),
            (draws[7], P_WRONG_DISTRICT, "housing", _wrong_district),
        ):
            if draw >= probability or indicator in misstated:
                continue
            part = misstate(facts, detail)
            if part is not None and _valid(facts, {**declared, indicator: part}):
                declared[indicator] = part
                misstated.add(indicator)
        scripts.append(
            ApplicantScript.of(
                index,
                facts,
                declared,
                misstated=misstated,
                unit_rejects=unit_rejects,
                names_unit_again=unit_rejects and draws[1] < P_NAMES_UNIT_AGAIN,
                abandons=abandons,
                withdraws=not abandons and draws[3] < P_WITHDRAWS,
                degree_not_on_file=bool(facts.get("education")) and draws[4] < P_DEGREE_NOT_ON_FILE,
            )
        )
    return scripts
