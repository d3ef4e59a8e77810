"""The reviewing departments: reference data every claim points at."""

from __future__ import annotations

from workflow.indicators import DEPARTMENTS, DISTRICT_OFFICES
from workflow.models import Department


def departments_ensure() -> dict[str, Department]:
    """Every department of `workflow.indicators.DEPARTMENTS`, created if missing; by code.

    Migration 0002 seeds them, but a row can still be missing (a database flushed by a
    transactional test, a restore of a partial dump), and a claim without its department
    cannot be created. One query when all are there; missing rows are inserted with
    ignore_conflicts so concurrent callers never fail on the unique code. Existing rows are
    never renamed here (an administrator may have edited a name).
    """
    # The indicator reviewers only: the district offices have their own ensure below.
    departments = {d.code: d for d in Department.objects.filter(code__in=DEPARTMENTS)}
    missing = [
        Department(code=code, name=name)
        for code, name in DEPARTMENTS.items()
        if code not in departments
    ]
    if missing:
        Department.objects.bulk_create(missing, ignore_conflicts=True)
        departments = {d.code: d for d in Department.objects.filter(code__in=DEPARTMENTS)}
    return departments


def district_offices_ensure() -> dict[str, Department]:
    """The district offices of 细则第二条 (各区政府、经开区指定相关部门), created if missing; by
    code. Same rules as `departments_ensure` (never renames an edited row)."""
    offices = {d.code: d for d in Department.objects.filter(code__in=DISTRICT_OFFICES)}
    missing = [
        Department(code=code, name=name)
        for code, name in DISTRICT_OFFICES.items()
        if code not in offices
    ]
    if missing:
        Department.objects.bulk_create(missing, ignore_conflicts=True)
        offices = {d.code: d for d in Department.objects.filter(code__in=DISTRICT_OFFICES)}
    return offices
