"""The portal's forms: accounts, indicator pages (facts format 1), objections, unit answers."""

from .accounts import ApplicantRegistrationForm, UnitRegistrationForm
from .indicators import DECLARED_PAGES, PAGES, BoundPage, IndicatorPage
from .notices import NoticePreferenceForm
from .objections import (
    EmployerCodeForm,
    EmployerSearchForm,
    EvidenceReplaceForm,
    EvidenceUploadForm,
    ObjectionForm,
    RejectAffiliationForm,
)

__all__ = [
    "DECLARED_PAGES",
    "PAGES",
    "ApplicantRegistrationForm",
    "BoundPage",
    "EmployerCodeForm",
    "EmployerSearchForm",
    "EvidenceReplaceForm",
    "EvidenceUploadForm",
    "IndicatorPage",
    "NoticePreferenceForm",
    "ObjectionForm",
    "RejectAffiliationForm",
    "UnitRegistrationForm",
]
