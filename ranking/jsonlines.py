"""Facts as JSON Lines: one value or one error per line, and no line can stop the others.

`manage.py score` and `manage.py import_facts` read files from other systems. A line nested
100,000 deep makes `json.loads` raise RecursionError, a 5,000-digit number a ValueError
(Python's limit on int digits, sys.get_int_max_str_digits), a line in another encoding a
UnicodeDecodeError, and a line without a newline could be a gigabyte: each of these is that
line's error, reported with its number, while every other line is still read.
"""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

_SKIP_CHUNK = 1024 * 1024


class JsonLineError(ValueError):
    """A line that is not one JSON value; the message is for the person who sent the file."""


class InputTooLarge(Exception):
    """The stream went past `max_total` bytes (standard input has no size to check first)."""


def json_line_loads(text: str) -> Any:
    """The JSON value of one line, or JsonLineError saying in Chinese what is wrong."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonLineError(f"JSON 格式错误：{exc.msg}（第 {exc.colno} 列）") from None
    except RecursionError:
        raise JsonLineError("JSON 嵌套层数过深") from None
    except ValueError:
        # int("…5,000 digits…"): the limit protects the parser from quadratic time.
        raise JsonLineError(
            f"JSON 中的数字位数过多（整数最多 {sys.get_int_max_str_digits()} 位）"
        ) from None


def read_lines(
    stream: IO[bytes], *, max_bytes: int, max_total: int | None = None
) -> Iterator[str | JsonLineError]:
    """Each line of a UTF-8 stream (a BOM is dropped) as text, or the error that line is.

    A line longer than `max_bytes` is skipped without being held in memory; past `max_total`
    bytes in all, InputTooLarge is raised."""
    first = True
    total = 0

    def readline(limit: int) -> bytes:
        nonlocal total
        data = stream.readline(limit)
        total += len(data)
        if max_total is not None and total > max_total:
            raise InputTooLarge
        return data

    while True:
        data = readline(max_bytes + 1)
        if not data:
            return
        if first and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        first = False
        if len(data.rstrip(b"\r\n")) > max_bytes:
            if not data.endswith(b"\n"):
                while (rest := readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
                    pass
            yield JsonLineError(f"该行超过 {max_bytes:,} 字节的上限")
            continue
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield JsonLineError(f"不是有效的 UTF-8 文本（第 {exc.start + 1} 个字节）")


def parse_line(line: str | JsonLineError) -> Any:
    """The JSON value of a line from `read_lines` (or a plain string), else JsonLineError."""
    if isinstance(line, JsonLineError):
        raise line
    return json_line_loads(line)


def is_blank(line: str | JsonLineError) -> bool:
    return isinstance(line, str) and not line.strip()
