"""Synthetic applicant population in facts format 1 (../shared/contracts/facts-format-1.md).

Pure Python, no Django: ``generate_population(year=…, count=…, seed=…)`` yields one
facts dict per applicant, deterministic for a seed (one ``random.Random(seed)`` drives
everything, in a fixed order). The distributions and why they are what they are:
docs/population.md. Dates are handled as month indexes (``year * 12 + month - 1``)
and day ordinals, formatted through precomputed tables, so 130,000 applicants take a
few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import IO, Any

import ranking.population_tables as tables
from ranking.policy.identity import make_id_number
from ranking.population_employers import Weighted, make_employers

# 细则第十五条（一）: employment months count from 1998-07 on.
FIRST_COUNTED_MONTH = 1998 * 12 + 6
# The Beijing residence permit (居住证) exists since 2016-01-01.
RESIDENCE_PERMIT_START = dt.date(2016, 1, 1)
# Applicant ages (completed years on Y-1-12-31) → relative weight: the pool is mostly
# in its thirties and forties (7 years of social insurance first, then the wait).
AGE_WEIGHTS = dict(
    zip(
        range(26, 60),
        (0.3, 0.6, 1.0, 1.5, 2.2, 3.0, 3.6, 4.2, 4.6, 4.9, 5.0, 5.0, 4.9, 4.7, 4.5, 4.2, 3.9)
        + (3.6, 3.3, 3.0, 2.7, 2.4, 2.1, 1.8, 1.4, 1.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)
        + (0.2,),
        strict=True,
    )
)
# (level, typical graduation age) and the level mix by age band: younger cohorts hold
# more master's degrees.
GRADUATION_AGE = {"junior_college": 21, "bachelor": 22, "master": 25, "doctor": 29}
LEVEL_MIX = {
    # age < 36, 36–45, over 45: (none, junior_college, bachelor, master, doctor)
    0: (1, 14, 46, 33, 6),
    1: (3, 20, 47, 25, 5),
    2: (8, 30, 44, 15, 3),
}
# diploma and degree both (usual), diploma only, degree only.
DIPLOMA_DEGREE = {(True, True): 94, (True, False): 4, (False, True): 2}
# The first Beijing social insurance month is the later of (a) leaving school plus a
# short delay and (b) an arrival month drawn over 1998-07 … the 7-year window's start,
# skewed late: u ** ARRIVAL_SKEW of the span. Few who arrived early are still in the
# pool — most of them settled through earlier rounds or other channels.
DELAY_DIRECT = 0.5  # 0–2 months, else 3–35 months
ARRIVAL_SKEW = 0.55
HOUSING_KINDS_NOT_OWNED = {"rental": 85, "dorm": 15}

# Rare facts, as probabilities per applicant (see docs/population.md).
P_NO_RESIDENCE_PERMIT = 0.010
P_LATE_RESIDENCE_PERMIT = 0.005
P_CRIMINAL_RECORD = 0.003
P_RECENT_START = 0.012  # first Beijing social insurance inside the last 84 months
P_STOPPED = 0.004  # stopped paying before Y-1-12
P_GAP_IN_WINDOW = 0.06  # of gaps: placed inside the last 84 months
P_GAP_BACK_PAID = 0.75  # of short gaps inside the window: back-paid (补缴)
P_OLD_GAP_BACK_PAID = 0.15
P_OVERLAP = 0.01  # a second employer paying at the same time
P_ON_THE_JOB_DEGREE = 0.08
P_AWARD = 0.012
P_EQUITY = 0.003
P_HONOR = 0.0015
P_TAX_VIOLATION = 0.006
P_DETENTION = 0.004


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class PopulationGenerator:
    """Applicants for one declaration year; build once, then call ``applicant()``."""

    def __init__(self, *, year: int, count: int, seed: int) -> None:
        self.year = year
        self.count = count
        self.rng = random.Random(seed)
        self.policy = "beijing-2020" if year >= 2020 else "beijing-2018"
        # Y-1-12 is the last counted month; the 84 months ending there decide eligibility.
        self.last_month = (year - 1) * 12 + 11
        self.window_start = self.last_month - 83
        self.cutoff = dt.date(year - 1, 12, 31)
        self.months = {m: _month(m) for m in range(1950 * 12, (year + 1) * 12)}
        self.jan1 = {y: dt.date(y, 1, 1).toordinal() for y in range(1930, year + 2)}
        self.ages = Weighted(AGE_WEIGHTS)
        self.levels = {
            band: Weighted(dict(zip((None, *GRADUATION_AGE), mix, strict=True)))
            for band, mix in LEVEL_MIX.items()
        }
        self.diploma_degree = Weighted(DIPLOMA_DEGREE)
        self.si_districts = Weighted(tables.SOCIAL_INSURANCE_DISTRICTS)
        self.own_districts = Weighted(tables.OWN_HOME_DISTRICTS)
        self.rental_districts = Weighted(tables.RENTAL_DISTRICTS)
        self.not_owned = Weighted(HOUSING_KINDS_NOT_OWNED)
        self.other_areas = Weighted(tables.OTHER_AREAS)
        self.beijing_areas = [
            a
            for d, a in tables.DISTRICT_AREA.items()
            if d in tables.OWN_HOME_DISTRICTS and d != "北京经济技术开发区"
        ]
        self.surnames = Weighted(tables.SURNAMES)
        self.honors = Weighted(tables.HONOR_CODES)
        first_years = {
            "china_innovation_contest": 2012,
            "beijing_innovation_contest": 2015,
            "world_skills": 2011,
            "national_skill_contest": 2011,
            "beijing_skill_contest": 2011,
            "china_chuangyi": 2020,
            "chuangye_beijing": 2020,
        }
        self.award_rows = Weighted(
            {
                row[:4] + (first_years.get(row[0], 1990),): row[4]
                for row in tables.AWARD_ROWS
                if first_years.get(row[0], 1990) <= year - 1
            }
        )
        self.employers, self.employer_sizes = make_employers(self.rng, max(50, count // 40))
        self.id_numbers: set[str] = set()

    # -- person ---------------------------------------------------------------

    def _person(self, age: int, gender: str) -> dict[str, Any]:
        rng = self.rng
        birth_year = self.year - 1 - age
        days = self.jan1[birth_year + 1] - self.jan1[birth_year]
        birth_date = dt.date.fromordinal(self.jan1[birth_year] + rng.randrange(days))
        area = rng.choice(self.beijing_areas) if rng.random() < 0.22 else self.other_areas.draw(rng)
        while True:
            number = make_id_number(area, birth_date, rng.randrange(500), gender)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                break
        given = tables.GIVEN_MALE if gender == "M" else tables.GIVEN_FEMALE
        name = self.surnames.draw(rng) + rng.choice(given)
        if rng.random() < 0.75:
            name += rng.choice(tables.GIVEN_COMMON if rng.random() < 0.4 else given)
        female_job = None
        if gender == "F":
            female_job = "cadre" if rng.random() < 0.45 else "worker"
        return {
            "id_number": number,
            "name": name,
            "gender": gender,
            "birth_date": birth_date.isoformat(),
            "female_job": female_job,
        }

    # -- education ------------------------------------------------------------

    def _education(self, birth_month: int, age: int) -> tuple[list[dict[str, Any]], int]:
        """Declared items and the month full-time study ended (career can start after)."""
        rng = self.rng
        band = 0 if age < 36 else 1 if age <= 45 else 2
        level = self.levels[band].draw(rng)
        order = list(GRADUATION_AGE)
        # Self-selection: applicants had 7 years of work after their studies, so a
        # degree that would end too late is mostly replaced by a lower one.
        while level is not None:
            latest = self.window_start - 1 - birth_month - GRADUATION_AGE[level] * 12
            if latest >= 0 or rng.random() < 0.15:
                break
            index = order.index(level)
            level = order[index - 1] if index else None
        if level is None:
            return [], birth_month + 12 * rng.randint(18, 22) + rng.randrange(12)
        items = []
        grad_year = birth_month // 12 + GRADUATION_AGE[level] + rng.choice((-1, 0, 0, 0, 1, 1))
        if level == "doctor":
            grad_year += rng.randrange(3)
        grad_year = min(grad_year, self.year - 1 - rng.randrange(3))
        end = grad_year * 12 + 5
        items.append(self._item(level, grad_year, full_time=True))
        # Master's and doctor's holders often declare their earlier degrees as well.
        lower = grad_year - (3 if level == "master" else 6)
        if level in ("master", "doctor") and rng.random() < 0.5:
            items.append(self._item("bachelor", lower, full_time=True))
        if level == "doctor" and rng.random() < 0.3:
            items.append(self._item("master", grad_year - 3, full_time=True))
        return items, end

    def _item(self, level: str, grad_year: int, *, full_time: bool) -> dict[str, Any]:
        rng = self.rng
        diploma, degree = self.diploma_degree.draw(rng)
        if level == "junior_college":
            diploma, degree = True, False  # 专科 has no degree
        if full_time and rng.random() < 0.93:
            graduated_on = f"{grad_year}-{rng.choice(('06-30', '07-01', '06-28', '07-05'))}"
        else:
            graduated_on = f"{grad_year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        return {"level": level, "diploma": diploma, "degree": degree, "graduated_on": graduated_on}

    # -- social insurance -----------------------------------------------------

    def _social_insurance(self, study_end: int, district: str) -> tuple[list[dict[str, Any]], int]:
        """Periods ending in the current employer's ``district``, and the first month."""
        rng = self.rng
        delay = rng.randrange(3) if rng.random() < DELAY_DIRECT else rng.randrange(3, 36)
        span = self.window_start - FIRST_COUNTED_MONTH
        arrival = FIRST_COUNTED_MONTH + int(span * rng.random() ** ARRIVAL_SKEW)
        start = max(arrival, study_end + 1 + delay)
        if rng.random() < P_RECENT_START:
            start = self.window_start + rng.randrange(1, 24)
        elif start > self.window_start:
            # Self-selection again: people apply once they have the 7 years.
            start = self.window_start - rng.randrange(36)
        end = self.last_month
        stopped = rng.random() < P_STOPPED
        if stopped:
            end -= rng.randrange(1, 10)
        # Gaps (job changes with unpaid months) and back-paid months (补缴).
        gaps: list[tuple[int, int, bool]] = []
        draw = rng.random()
        for _ in range(0 if draw < 0.62 else 1 if draw < 0.9 else 2):
            length = min(24, 1 + int(rng.expovariate(1 / 3)))
            if rng.random() < P_GAP_IN_WINDOW:
                first = rng.randrange(self.window_start, self.last_month - length)
                back_paid = length <= 5 and rng.random() < P_GAP_BACK_PAID
            elif self.window_start - length - start > 6:
                first = rng.randrange(start + 3, self.window_start - length)
                back_paid = rng.random() < P_OLD_GAP_BACK_PAID
            else:
                continue
            last = first + length - 1
            if all(
                last < other_first - 1 or first > other_last + 1
                for other_first, other_last, _ in gaps
            ):
                gaps.append((first, last, back_paid))
        gaps.sort()
        # Jobs: employer changes every few years; the last one is the current employer.
        bounds = [start]
        while True:
            next_start = bounds[-1] + 6 + int(rng.expovariate(1 / 54))
            if next_start > end:
                break
            bounds.append(next_start)
        jobs = [
            (first, following - 1, self.si_districts.draw(rng))
            for first, following in zip(bounds, bounds[1:], strict=False)
        ]
        jobs.append((bounds[-1], end, district))
        runs: list[tuple[int, int, str, bool]] = []
        for first, last, job_district in jobs:
            cursor = first
            for gap_first, gap_last, back_paid in gaps:
                if gap_last < cursor or gap_first > last:
                    continue
                if gap_first > cursor:
                    runs.append((cursor, gap_first - 1, job_district, False))
                if back_paid:
                    runs.append((max(gap_first, cursor), min(gap_last, last), job_district, True))
                cursor = gap_last + 1
            if cursor <= last:
                runs.append((cursor, last, job_district, False))
        if rng.random() < P_OVERLAP and end - start > 24:
            first = rng.randrange(start, end - 12)
            runs.append((first, first + rng.randrange(2, 12), self.si_districts.draw(rng), False))
        open_ended = not stopped and rng.random() < 0.97
        after = self.months[self.last_month + rng.randrange(1, 7)]  # a record read mid-Y
        periods = []
        for first, last, run_district, back_paid in runs:
            to = self.months[last]
            if last == self.last_month:
                to = None if open_ended else after
            periods.append(
                {
                    "from": self.months[first],
                    "to": to,
                    "district": run_district,
                    "back_paid": back_paid,
                }
            )
        return periods, start

    # -- housing --------------------------------------------------------------

    def _housing(self, age: int, start: int) -> list[dict[str, Any]]:
        rng = self.rng
        periods: list[dict[str, Any]] = []
        own_start = start + int(12 * (1 + rng.expovariate(1 / 6)))
        owner = rng.random() < min(0.8, max(0.1, 0.15 + 0.035 * (age - 27)))
        if not owner or own_start > self.last_month:
            if rng.random() < 0.85:
                first = max(start, 2016 * 12) + rng.randrange(24)
                periods.append(
                    {
                        "from": self.months[min(first, self.last_month)],
                        "to": None,
                        "kind": self.not_owned.draw(rng),
                        "district": self.rental_districts.draw(rng),
                    }
                )
            return periods
        if rng.random() < 0.3 and own_start - start > 12:
            periods.append(
                {
                    "from": self.months[start],
                    "to": self.months[own_start - 1],
                    "kind": self.not_owned.draw(rng),
                    "district": self.rental_districts.draw(rng),
                }
            )
        kind = "own" if rng.random() < 0.8 else "spouse_own"
        if rng.random() < 0.12 and self.last_month - own_start > 36:
            moved = rng.randrange(own_start + 12, self.last_month - 12)
            periods.append(
                {
                    "from": self.months[own_start],
                    "to": self.months[moved - 1],
                    "kind": kind,
                    "district": self.own_districts.draw(rng),
                }
            )
            own_start = moved
        periods.append(
            {
                "from": self.months[own_start],
                "to": None,
                "kind": kind,
                "district": self.own_districts.draw(rng),
            }
        )
        return periods

    # -- the rare things ------------------------------------------------------

    def _award(self) -> dict[str, Any]:
        rng = self.rng
        code, grade, ranks, role, first_year = self.award_rows.draw(rng)
        year = rng.randrange(max(first_year, self.year - 15), self.year)
        rank = None
        if ranks is not None:
            # Most completers named on an award are near the top of the list.
            rank = min(ranks[1], ranks[0] + int(rng.expovariate(3 / (ranks[1] - ranks[0] + 1))))
        return {"code": code, "grade": grade, "rank": rank, "role": role, "year": year}

    def _equity(self) -> dict[str, Any]:
        rng = self.rng
        financing = rng.choice((300, 600, 800, 1200, 1500, 2000, 2500, 3000, 4000, 5000, 8000))
        return {
            "qualified_firm": rng.random() < 0.85,
            "investor_funding_3y_wan": str(rng.choice((300, 500, 800, 1000, 2000, 5000))),
            "equity_financing_3y_wan": f"{financing}.00",
            "holding_pct": f"{rng.choice((5, 8, 10, 12, 15, 20, 25, 30, 40, 51))}.00",
            "full_year": rng.random() < 0.9,
        }

    def _honor(self) -> dict[str, Any]:
        rng = self.rng
        return {"code": self.honors.draw(rng), "year": self.year - 1 - int(rng.expovariate(1 / 5))}

    def _income_tax(self, start: int) -> dict[str, str]:
        """Income tax per calendar year, Y-5 … Y-1, as decimal strings (yuan)."""
        rng = self.rng
        # A person's level: median 15,000 a year under the pre-2019 law; the 2019 reform
        # (higher threshold, special deductions) roughly halves it.
        level = rng.lognormvariate(9.6, 1.1)
        low_income = rng.random() < 0.06
        taxes = {}
        for year in range(self.year - 5, self.year):
            if year * 12 + 11 < start or (low_income and year >= 2019) or rng.random() < 0.01:
                taxes[str(year)] = "0"
                continue
            amount = level * rng.lognormvariate(0, 0.2) * (0.55 if year >= 2019 else 1.0)
            cents = int(amount * 100)
            taxes[str(year)] = f"{cents // 100}.{cents % 100:02d}"
        return taxes

    def _penalty_dates(self, probability: float) -> list[str]:
        rng = self.rng
        if rng.random() >= probability:
            return []
        dates = []
        for _ in range(1 if rng.random() < 0.85 else 2):
            # Mostly inside the five counted years, sometimes older (no longer deducted).
            year = (
                self.year - rng.randrange(1, 6)
                if rng.random() < 0.8
                else self.year - rng.randrange(6, 10)
            )
            day = self.jan1[year] + rng.randrange(self.jan1[year + 1] - self.jan1[year])
            dates.append(dt.date.fromordinal(day).isoformat())
        return sorted(dates)

    def _residence_permit(self) -> dict[str, str] | None:
        rng = self.rng
        draw = rng.random()
        if draw < P_NO_RESIDENCE_PERMIT:
            return None
        if draw < P_NO_RESIDENCE_PERMIT + P_LATE_RESIDENCE_PERMIT:
            issued = dt.date(self.year, 1, 1).toordinal() + rng.randrange(150)
        elif rng.random() < 0.6:
            issued = RESIDENCE_PERMIT_START.toordinal() + rng.randrange(366)
        else:
            first = RESIDENCE_PERMIT_START.toordinal()
            issued = first + rng.randrange(self.cutoff.toordinal() - first + 1)
        return {"issued_on": dt.date.fromordinal(issued).isoformat()}

    # -- one applicant ----------------------------------------------------------

    def applicant(self) -> dict[str, Any]:
        """The next applicant's facts (format 1)."""
        rng = self.rng
        age = self.ages.draw(rng)
        gender = "M" if rng.random() < 0.55 else "F"
        person = self._person(age, gender)
        birth_month = int(person["birth_date"][:4]) * 12 + int(person["birth_date"][5:7]) - 1
        education, study_end = self._education(birth_month, age)
        employer = self.employers[self.employer_sizes.draw(rng)]
        social_insurance, start = self._social_insurance(study_end, employer.district)
        if rng.random() < P_ON_THE_JOB_DEGREE and self.last_month - start > 36:
            # 在职 study: a higher degree earned while working (the deduction applies).
            levels = list(GRADUATION_AGE)
            best = max((levels.index(item["level"]) for item in education), default=-1)
            level = levels[min(best + 1, len(levels) - 1)]
            grad_month = rng.randrange(start + 24, self.last_month + 1)
            education.append(self._item(level, grad_month // 12, full_time=False))
        return {
            "format": 1,
            "year": self.year,
            "policy": self.policy,
            "person": person,
            "employer": {"credit_code": employer.credit_code, "name": employer.name},
            "residence_permit": self._residence_permit(),
            "criminal_record": rng.random() < P_CRIMINAL_RECORD,
            "social_insurance": social_insurance,
            "housing": self._housing(age, start),
            "education": education,
            "awards": [self._award()] if rng.random() < P_AWARD else [],
            "equity": self._equity() if rng.random() < P_EQUITY else None,
            "tax": {
                "income_tax": self._income_tax(start),
                "violations": self._penalty_dates(P_TAX_VIOLATION),
            },
            "honors": [self._honor()] if rng.random() < P_HONOR else [],
            "detentions": self._penalty_dates(P_DETENTION),
        }


def generate_population(*, year: int, count: int, seed: int) -> Iterator[dict[str, Any]]:
    """``count`` applicants' facts for declaration year ``year``, deterministic for ``seed``."""
    generator = PopulationGenerator(year=year, count=count, seed=seed)
    for _ in range(count):
        yield generator.applicant()


def write_population(
    out: IO[str], *, year: int, count: int, seed: int, progress: Any = None
) -> int:
    """Stream the population to ``out`` as JSON Lines; ``progress(n)`` every 10,000."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    written = 0
    for facts in generate_population(year=year, count=count, seed=seed):
        out.write(dumps(facts) + "\n")
        written += 1
        if progress is not None and written % 10_000 == 0:
            progress(written)
    return written
