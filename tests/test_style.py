"""Style is enforced by a tool, not by reviewers' memory: ruff over the code (rules in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ruff_passes():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "pv", "flows", "tests", "benchmarks", "dev.py"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_sql_is_built_from_values():
    """Values reach SQL only as bound parameters: no f-string handed to execute/sql outside the reviewed spots
    (fixed table names, marked with noqa: S608)."""
    offenders = []
    for path in (ROOT / "pv").rglob("*.py"):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if any(token in line for token in ('execute(f"', "execute(f'", 'sql(f"', "sql(f'")) \
                    and "noqa: S608" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{i}")
    assert offenders == []
