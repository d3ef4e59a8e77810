"""Check characters of the two national identifiers the round runs on.

- GB 11643-1999: the 18-character resident identity number (公民身份号码).
- GB 32100-2015: the 18-character unified social credit code (统一社会信用代码).
Pure functions; errors are raised as ValueError with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import mul

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# GB 32100 uses 31 characters: digits and capitals without I, O, S, V, Z.
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {char: index for index, char in enumerate(_CREDIT_CHARSET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(slots=True)  # not frozen: parsed once per applicant (a frozen __init__ costs ~2x)
class IdentityNumber:
    number: str
    birth_date: dt.date
    gender: str  # "M" or "F"


# Each digit's weight times its code point, less what the code point of "0" adds: the same
# sum as of the digits' values, without an int() call per character.
_ID_ZERO_OFFSET = ord("0") * sum(_ID_WEIGHTS)


def id_check_digit(first17: str) -> str:
    total = sum(map(mul, first17.encode("ascii"), _ID_WEIGHTS)) - _ID_ZERO_OFFSET
    return _ID_CHECK[total % 11]


def parse_id_number(raw: str) -> IdentityNumber:
    """Validate an identity number and derive birth date and gender from it."""
    number = raw.strip().upper()
    if len(number) != 18:
        raise ValueError("身份证号码应为 18 位")
    # isascii: str.isdigit() is true for superscript digits, which int() refuses.
    if (
        not number.isascii()
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise ValueError("身份证号码前 17 位应为数字，最后一位为数字或 X")
    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValueError("身份证号码中的出生日期无效") from exc
    if id_check_digit(number[:17]) != number[17]:
        raise ValueError("身份证号码校验位错误")
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdentityNumber(number=number, birth_date=birth_date, gender=gender)


def mask_id_number(value: str) -> str:
    """110105198001010212 -> 110105********0212: the area code and the last four stay, the
    birth date and sequence are hidden (an old 15-digit number likewise). Any other text
    (a unit administrator's user name) is returned as it is."""
    number = value.strip().upper()
    body, last = number[:-1], number[-1:]
    if len(number) not in (15, 18) or not body.isdigit() or not (last.isdigit() or last == "X"):
        return value
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def make_id_number(area: str, birth_date: dt.date, sequence: int, gender: str) -> str:
    """Build a valid identity number (synthetic data, tests): sequence 0..499."""
    order = sequence * 2 + (1 if gender == "M" else 0)
    first17 = f"{area}{birth_date:%Y%m%d}{order:03d}"
    return first17 + id_check_digit(first17)


def credit_check_char(first17: str) -> str:
    total = sum(map(mul, map(_CREDIT_VALUE.__getitem__, first17), _CREDIT_WEIGHTS))
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """Validate a unified social credit code; returns it normalised to capitals."""
    code = raw.strip().upper()
    if len(code) != 18:
        raise ValueError("统一社会信用代码应为 18 位")
    bad = [char for char in code if char not in _CREDIT_VALUE]
    if bad:
        raise ValueError(f"统一社会信用代码含有不允许的字符：{''.join(sorted(set(bad)))}")
    if credit_check_char(code[:17]) != code[17]:
        raise ValueError("统一社会信用代码校验位错误")
    return code


def make_credit_code(first17: str) -> str:
    """Append the check character (synthetic data, tests)."""
    return first17 + credit_check_char(first17)
