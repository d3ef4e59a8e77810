"""The month-by-month picture of one applicant that every indicator reads.

Built once per applicant: sets of month numbers, each clipped to the cut-off (Y-1-12,
细则第十六条), so the indicator functions only count and intersect.
"""

from __future__ import annotations

from dataclasses import dataclass

from ranking.policy.facts import Facts
from ranking.policy.months import Month, month_of
from ranking.policy.params import PolicyParams
from ranking.policy.tables import is_outside_central

OWN_KINDS = frozenset({"own", "spouse_own"})


def _months(start: Month, end: Month | None, cutoff: Month, floor: Month | None = None) -> range:
    last = cutoff if end is None or end > cutoff else end
    first = start if floor is None or start > floor else floor
    return range(first, last + 1)


@dataclass(frozen=True, slots=True)
class Timeline:
    cutoff: Month  # Y-1-12
    # Plain sets for speed; nobody mutates a Timeline after build().
    paid: set[Month]  # normal or back-paid, any month up to the cut-off
    normal: set[Month]  # normally paid, any month up to the cut-off
    normal_outside: set[Month]  # normally paid to an agency outside the six districts
    employment: set[Month]  # normal months from 1998-07 (细则第十五条（一）)
    own: set[Month]  # own or spouse's home, from 1998-07
    own_outside: set[Month]  # own home outside the six districts (any start)
    rental: set[Month]  # rental/dorm months as the housing rule counts them

    @classmethod
    def build(cls, facts: Facts, params: PolicyParams) -> Timeline:
        cutoff = month_of(facts.year - 1, 12)
        normal: set[Month] = set()
        back: set[Month] = set()
        normal_outside: set[Month] = set()
        for period in facts.social_insurance:
            months = _months(period.start, period.end, cutoff)
            if period.back_paid:
                back.update(months)
            else:
                normal.update(months)
                if is_outside_central(period.district):
                    normal_outside.update(months)
        own: set[Month] = set()
        own_outside: set[Month] = set()
        listed_rental: set[Month] = set()
        for home in facts.housing:
            if home.kind in OWN_KINDS:
                own.update(_months(home.start, home.end, cutoff, params.employment_from))
                if is_outside_central(home.district):
                    own_outside.update(_months(home.start, home.end, cutoff))
            else:
                listed_rental.update(_months(home.start, home.end, cutoff, params.employment_from))
        # Set algebra runs in C; per-month Python loops would dominate a 130,000-applicant run.
        employment = normal.difference(range(min(normal, default=0), params.employment_from))
        boundary = params.implicit_rental_before
        # 细则第十五条（二）: before the rules took effect rental/dorm years equal the years of
        # employment at the time; from then on only filed leases count. Own housing first.
        if boundary > cutoff:
            rental = employment - own
        else:
            rental = employment.intersection(range(params.employment_from, boundary)) - own
            rental.update(listed_rental.intersection(range(boundary, cutoff + 1)) - own)
        return cls(
            cutoff=cutoff,
            paid=normal | back,
            normal=normal,
            normal_outside=normal_outside,
            employment=employment,
            own=own,
            own_outside=own_outside,
            rental=rental,
        )
