"""The guards of the state machines' transitions: who may make one, in which phases, by which
clock. Declared next to each transition (``@transition(..., custom=guards(...))``) and
enforced by the one transition mechanism, ``workflow.services.transitions``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Who may act (Guard.actors).
OWNER = "owner"  # the applicant the application belongs to
UNIT = "unit"  # a verified account of the application's employer
DEPARTMENT = "department"  # a reviewer of the claim's department
ADMIN = "administrator"
# 细则第二条/第十一条: 各区政府、经开区指定部门 receive and review the settlement materials and
# record the settlement (roles.is_district_office).
DISTRICT = "district_office"
# 细则第十一条: 报市人力资源社会保障局核准 — a reviewer of the 人社局 department.
HRSS = "hrss"
SYSTEM = "system"  # beat, a phase job, the data exchange (actor None)

# How the clock decides (Guard.clock), for people; the system follows the phase alone.
WINDOW = "window"  # inside the phase's window (applicants' and units' deadlines)
OPEN = "open"  # from the phase's start until the round actually moves on (departments)
PHASE = "phase"  # the phase alone


@dataclass(frozen=True)
class Guard:
    """Who may make a transition, when: declared once, next to the transition."""

    action: str  # the Chinese verb of the messages: "提交"
    phases: tuple[str, ...] = ()  # () = any phase
    actors: frozenset[str] = field(default_factory=lambda: frozenset({SYSTEM, ADMIN}))
    clock: str = WINDOW


def guards(default: Guard, **others: Guard) -> dict[str, Any]:
    """The ``custom=`` of a transition: its default guard and any named others (a
    transition the system makes in one phase and a person in another, or a fraud finding)."""
    return {"guards": {"default": default, **others}}
