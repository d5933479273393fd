"""README.md keeps its promises: the two commands first, CI runs the same test command, everything documented."""

from __future__ import annotations

import re
from pathlib import Path

from bildungsnetz.settings import Settings

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", README, flags=re.S)


def test_readme_starts_with_the_main_job_and_the_test_command():
    first, second = commands()[:2]
    assert README.index(first) < README.index("## ")
    assert first.endswith("bildungsnetz demo")
    assert "pytest" in second


def test_ci_runs_exactly_the_readme_test_command():
    test_command = commands()[1].split("&&")[-1].strip()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"BILDUNGSNETZ_{name.upper()}" in README, name


def test_every_named_query_is_documented():
    for path in sorted((REPO / "queries").glob("*.rq")):
        assert f"`{path.stem}`" in README, path.stem
