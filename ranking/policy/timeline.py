"""The month-by-month picture of one applicant that every indicator reads.

Months are bits of a Python int (bit 0 = 1950-01): a period is one shifted run of ones,
union/intersection are `|`/`&`, and a count is `int.bit_count()`. Scoring a round of
130,000 applicants is then a few big-int operations each instead of per-month loops.
Everything is clipped to the cut-off Y-1-12 (细则第十六条).
"""

from __future__ import annotations

from dataclasses import dataclass

from ranking.policy.facts import Facts
from ranking.policy.months import Month, month_of
from ranking.policy.params import PolicyParams
from ranking.policy.tables import is_outside_central

OWN_KINDS = frozenset({"own", "spouse_own"})
EPOCH: Month = month_of(1950, 1)  # nothing before it can count toward anything

Months = int  # a bit set of months


def span(first: Month, last: Month) -> Months:
    """The months first..last inclusive (empty when last < first)."""
    if first < EPOCH:  # not max(): ten spans an applicant, a builtin call each
        first = EPOCH
    if last < first:
        return 0
    return ((1 << (last - first + 1)) - 1) << (first - EPOCH)


def count(months: Months) -> int:
    return months.bit_count()


def contains(months: Months, month: Month) -> bool:
    return month >= EPOCH and (months >> (month - EPOCH)) & 1 == 1


def first_month(months: Months) -> Month:
    return (months & -months).bit_length() - 1 + EPOCH


def last_month(months: Months) -> Month:
    return months.bit_length() - 1 + EPOCH


def month_list(months: Months) -> list[Month]:
    out = []
    while months:
        low = months & -months
        out.append(low.bit_length() - 1 + EPOCH)
        months ^= low
    return out


@dataclass(slots=True)  # not frozen, like Facts: a frozen __init__ sets its 10 fields one call each
class Timeline:
    cutoff: Month  # Y-1-12
    paid: Months  # normal or back-paid, any month up to the cut-off
    normal: Months  # normally paid, any month up to the cut-off
    normal_outside: Months  # normally paid to an agency outside the six districts
    employment: Months  # normal months from 1998-07 (细则第十五条（一）)
    own: Months  # own or spouse's home, from 1998-07
    own_outside: Months  # own home outside the six districts (any start)
    rental: Months  # rental/dorm months as the housing rule counts them
    # 细则第十五条（二）: counted months never exceed the employment months, own months first.
    own_counted: int
    rental_counted: int

    @classmethod
    def build(cls, facts: Facts, params: PolicyParams) -> Timeline:
        cutoff = month_of(facts.year - 1, 12)
        normal = back = normal_outside = 0
        for period in facts.social_insurance:
            months = span(period.start, cutoff if period.end is None else min(period.end, cutoff))
            if period.back_paid:
                back |= months
            else:
                normal |= months
                if is_outside_central(period.district):
                    normal_outside |= months
        own = own_outside = listed_rental = 0
        for home in facts.housing:
            months = span(home.start, cutoff if home.end is None else min(home.end, cutoff))
            if home.kind in OWN_KINDS:
                own |= months
                if is_outside_central(home.district):
                    own_outside |= months
            else:
                listed_rental |= months
        counted = span(params.employment_from, cutoff)
        own &= counted
        employment = normal & counted
        # 细则第十五条（二）: before the rules took effect rental/dorm years equal the years of
        # employment at the time; from then on only filed leases count. Own housing first.
        boundary = params.implicit_rental_before
        rental = (employment & span(params.employment_from, boundary - 1)) | (
            listed_rental & span(boundary, cutoff)
        )
        rental &= ~own
        employment_months = employment.bit_count()
        own_counted = min(own.bit_count(), employment_months)
        rental_counted = min(rental.bit_count(), employment_months - own_counted)
        return cls(
            cutoff=cutoff,
            paid=normal | back,
            normal=normal,
            normal_outside=normal_outside,
            employment=employment,
            own=own,
            own_outside=own_outside,
            rental=rental,
            own_counted=own_counted,
            rental_counted=rental_counted,
        )
