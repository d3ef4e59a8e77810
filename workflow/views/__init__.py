"""The applicant and employer portal (issue 4). Thin views: parse, call one service, render."""

from . import accounts, applicant, evidence, unit

__all__ = ["accounts", "applicant", "evidence", "unit"]
