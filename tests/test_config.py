"""One configuration file: pv.toml or [tool.pv], with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pv.config import PvConfig, load_config
from pv.errors import PvError

ROOT = Path(__file__).parent.parent


def test_example_file_loads_with_custom_criteria():
    cfg = load_config(ROOT / "pv.toml.example")
    assert cfg.drugs_of_interest == ["ALEMTUZUMAB", "NATALIZUMAB", "OCRELIZUMAB"]
    assert cfg.all_criteria()["strict_ror"] == [("ror_lower", ">", 2.0), ("a", ">=", 5)]
    assert cfg.signal_criteria == ["eb05", "strict_ror"] and cfg.source.endswith("pv.toml.example")


def test_defaults_and_tool_pv_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config() == PvConfig()
    (tmp_path / "pyproject.toml").write_text('[tool.pv]\ninbox = "incoming"\ndrugs_of_interest = ["lemtrada "]\n')
    cfg = load_config()
    assert cfg.inbox == "incoming" and cfg.drugs_of_interest == ["LEMTRADA"]
    (tmp_path / "pv.toml").write_text('inbox = "first"\n')
    assert load_config().inbox == "first"          # pv.toml wins over pyproject.toml


def test_errors_name_the_file_and_the_setting(tmp_path):
    bad = tmp_path / "pv.toml"
    bad.write_text('inbx = "x"\n')
    with pytest.raises(PvError, match=r"pv.toml: unknown setting\(s\) inbx"):
        load_config(bad)
    bad.write_text('signal_criteria = ["nope"]\n')
    with pytest.raises(PvError, match="signal_criteria names nope"):
        load_config(bad)
    bad.write_text('max_bad_rate = 7\n')
    with pytest.raises(PvError, match="max_bad_rate must be less than or equal to 1, got 7"):
        load_config(bad)
    with pytest.raises(PvError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")
