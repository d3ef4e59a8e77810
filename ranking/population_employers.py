"""Employers of the synthetic population, and the weighted draw every table uses.

Names are Chinese and unique; unified social credit codes carry a valid GB 11714
organisation-code check character inside and a valid GB 32100 check character at the end;
the area part is the employer's social insurance district. Sizes follow a Zipf-like law:
a few employers with hundreds of applicants, a long tail with one or two.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from ranking import population_tables as tables
from ranking.policy.identity import make_credit_code


@dataclass(frozen=True, slots=True)
class Employer:
    credit_code: str
    name: str
    district: str


class Weighted:
    """random.choices without rebuilding cumulative weights on every draw."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, weights: dict[Any, float]) -> None:
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


def _org_code(body: str) -> str:
    # GB 11714 organisation code check character, embedded in the credit code.
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(char, 36) * weight for char, weight in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_employers(rng: random.Random, count: int) -> tuple[list[Employer], Weighted]:
    """``count`` employers with unique names and credit codes, and a Zipf-like size draw."""
    districts = Weighted(tables.SOCIAL_INSURANCE_DISTRICTS)
    industries = Weighted(tables.INDUSTRIES)
    suffixes = Weighted(tables.COMPANY_SUFFIXES)
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    employers: list[Employer] = []
    names: set[str] = set()
    codes: set[str] = set()
    while len(employers) < count:
        district = districts.draw(rng)
        brand = rng.choice(tables.BRANDS) + rng.choice(tables.BRANDS)[rng.randrange(2)]
        kind = rng.random()
        if kind < 0.88:
            prefix = "91"
            name = f"北京{brand}{industries.draw(rng)}{suffixes.draw(rng)}"
        elif kind < 0.97:
            prefix = "12"
            name = f"北京市{brand}{rng.choice(tables.INSTITUTION_KINDS)}"
        else:
            prefix = "52"
            name = f"北京{brand}{rng.choice(tables.NONPROFIT_KINDS)}"
        if rng.random() < 0.5:
            body = "MA0" + "".join(rng.choice(charset) for _ in range(5))
        else:
            body = f"{rng.randrange(10_000_000, 100_000_000)}"
        code = make_credit_code(prefix + tables.DISTRICT_AREA[district] + _org_code(body))
        if name in names or code in codes:
            continue
        names.add(name)
        codes.add(code)
        employers.append(Employer(credit_code=code, name=name, district=district))
    # Sizes: a few large employers, a long tail of small ones.
    sizes = {index: 1 / (index + 1) ** 0.8 for index in range(count)}
    return employers, Weighted(sizes)
