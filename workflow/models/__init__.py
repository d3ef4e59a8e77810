from .accounts import LoginUnlock
from .applications import (
    APPEALABLE_STATES,
    DECIDED_STATES,
    DECLARATION_STATES,
    NOT_FINAL_STATES,
    NOT_IN_REVIEW_STATES,
    PRE_PUBLICATION_STATES,
    PUBLISHED_STATES,
    UNSUBMITTED_STATES,
    Application,
    AppState,
    ClaimState,
    IndicatorClaim,
)
from .audit import AppendOnlyError, AuditEvent
from .evidence import Evidence, EvidencePurpose, FormDraft
from .fields import BlindIndexField, EncryptedTextField
from .jobs import JobRun, JobStatus
from .notices import Notice, NoticePreference
from .parties import (
    Applicant,
    Department,
    Employer,
    EmployerMembership,
    FemaleJob,
    ReviewerProfile,
    validate_credit_code_field,
    validate_id_number_field,
)
from .reports import CriminalRecordReport, ReporterRole
from .rounds import (
    BEIJING,
    PHASE_ORDER,
    ROUND_TRANSITIONS,
    AnnualRound,
    Phase,
    QuotaApproval,
    default_windows,
)

__all__ = [
    "APPEALABLE_STATES",
    "BEIJING",
    "DECIDED_STATES",
    "DECLARATION_STATES",
    "NOT_FINAL_STATES",
    "NOT_IN_REVIEW_STATES",
    "PHASE_ORDER",
    "PRE_PUBLICATION_STATES",
    "PUBLISHED_STATES",
    "ROUND_TRANSITIONS",
    "UNSUBMITTED_STATES",
    "AnnualRound",
    "AppState",
    "AppendOnlyError",
    "Applicant",
    "Application",
    "AuditEvent",
    "BlindIndexField",
    "ClaimState",
    "CriminalRecordReport",
    "Department",
    "Employer",
    "Evidence",
    "EvidencePurpose",
    "EmployerMembership",
    "EncryptedTextField",
    "FemaleJob",
    "FormDraft",
    "IndicatorClaim",
    "JobRun",
    "JobStatus",
    "LoginUnlock",
    "Notice",
    "NoticePreference",
    "Phase",
    "QuotaApproval",
    "ReporterRole",
    "ReviewerProfile",
    "default_windows",
    "validate_credit_code_field",
    "validate_id_number_field",
]
