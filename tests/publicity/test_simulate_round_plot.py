"""manage.py simulate_round_plot: the phase times of simulate_round runs, one bar per run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SVG = "{http://www.w3.org/2000/svg}"


def summary_file(tmp_path, applicants: int, declaration: float):
    path = tmp_path / f"summary-{applicants}.json"
    summary = {
        "applications": {"not_admitted": applicants - 10, "qualified": 10},
        "seconds": {"scheduled": 6.0, "declaration": declaration, "publicity": 30.0},
    }
    path.write_text(json.dumps(summary), encoding="utf-8")
    return path


def test_each_run_is_a_bar_labelled_with_its_size_and_total_against_the_goal(tmp_path):
    out = tmp_path / "phases.svg"
    large = summary_file(tmp_path, 50_000, declaration=1164.0)
    small = summary_file(tmp_path, 10_000, declaration=264.0)

    call_command(
        "simulate_round_plot", str(large), str(small), "--out", str(out), stdout=StringIO()
    )

    root = ET.fromstring(out.read_text(encoding="utf-8"))  # noqa: S314 - the file we just drew
    texts = [t.text for t in root.iter(f"{SVG}text")]
    # In order of size, whatever order the files were given in; totals in minutes.
    assert texts.index("10,000 人") < texts.index("50,000 人")
    assert "5.0 min" in texts
    assert "20.0 min" in texts
    assert "目标 20 分钟 / goal (130,000)" in texts
    phases = [t.text for t in root.iter(f"{SVG}title")]
    assert "申报 / declaration: 1164 s" in phases
    assert len(phases) == 6  # three phases in each of the two runs


def test_a_file_that_is_not_a_summary_is_refused_by_name(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"year": 2033}), encoding="utf-8")

    with pytest.raises(CommandError, match="other.json 不是 simulate_round 的摘要"):
        call_command("simulate_round_plot", str(other), "--out", str(tmp_path / "x.svg"))
