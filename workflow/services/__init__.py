"""Workflow services (writes). Keyword-only; each is one transaction with its audit row."""

from ._common import (
    AuditRow,
    actor_label,
    audit_event,
    audit_record,
    format_moment,
    now_or,
    require_phase,
    require_system_or_admin,
    rows_insert,
    snapshot,
)
from .applications import *  # noqa: F403
from .applications import __all__ as _applications
from .claims import *  # noqa: F403
from .claims import __all__ as _claims
from .departments import departments_ensure, district_offices_ensure
from .encryption import RotationReport, field_keys_rotate
from .evidence import *  # noqa: F403
from .evidence import __all__ as _evidence
from .integrity import *  # noqa: F403
from .integrity import __all__ as _integrity
from .logins import login_unlock
from .mass import *  # noqa: F403
from .mass import __all__ as _mass
from .notices import (
    NoticeDraft,
    notice_mark_read,
    notice_preference_of,
    notice_preference_set,
)
from .parties import (
    UNIT_UNVERIFIED_MESSAGE,
    administrator_grant,
    applicant_register,
    credit_code_check,
    district_office_grant,
    employer_membership_add,
    employer_membership_unverify,
    employer_membership_verify,
    employer_register,
    reviewer_assign,
)
from .rounds import (
    round_advance,
    round_create,
    round_publicity_window_align,
    round_set_quota,
    rounds_advance_due,
)
from .transitions import transition_apply, transition_bulk

__all__ = [
    "UNIT_UNVERIFIED_MESSAGE",
    "NoticeDraft",
    "RotationReport",
    "notice_mark_read",
    "notice_preference_of",
    "notice_preference_set",
    "rows_insert",
    *_applications,
    *_claims,
    *_evidence,
    *_integrity,
    *_mass,
    "AuditRow",
    "actor_label",
    "administrator_grant",
    "applicant_register",
    "audit_event",
    "audit_record",
    "credit_code_check",
    "departments_ensure",
    "district_office_grant",
    "district_offices_ensure",
    "employer_membership_add",
    "employer_membership_unverify",
    "employer_membership_verify",
    "employer_register",
    "field_keys_rotate",
    "format_moment",
    "login_unlock",
    "now_or",
    "require_phase",
    "require_system_or_admin",
    "reviewer_assign",
    "round_advance",
    "round_create",
    "round_publicity_window_align",
    "round_set_quota",
    "rounds_advance_due",
    "snapshot",
    "transition_apply",
    "transition_bulk",
]
