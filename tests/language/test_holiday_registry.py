"""The holiday check reads the holidays library's country table from its source, without
importing the library (which loads every country): it must agree with the library's own
answer, and `slalang check` must not import the library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from slalang import holiday_data as holiday_sources

ROOT = Path(__file__).resolve().parents[2]


def test_countries_and_subdivisions_read_from_source_agree_with_the_library():
    import holidays

    want = {c: tuple(subs) for c, subs in holidays.list_supported_countries().items()}
    assert set(holiday_sources.registry()) == set(want)
    for code, subs in want.items():
        assert holiday_sources.subdivisions(code) == subs, code


def test_checking_a_policy_with_holidays_does_not_import_the_library():
    code = ("import sys; from slalang.language import load_policy; "
            f"load_policy({str(ROOT / 'policies' / 'reference.sla')!r}); "
            "print('holidays' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_holiday_dates_come_from_the_cache_the_second_time(tmp_path, monkeypatch):
    import datetime as dt

    import holidays

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    want = frozenset(holidays.country_holidays("IT", years=2026))
    assert holiday_sources.holiday_dates("IT", None, 2026) == want
    cached = list((tmp_path / "slalang").glob("holidays-*-IT-.json"))
    assert len(cached) == 1
    monkeypatch.setattr(holidays, "country_holidays", None)  # a second call must not use it
    assert holiday_sources.holiday_dates("IT", None, 2026) == want
    assert dt.date(2026, 12, 25) in want


def test_the_library_version_read_from_its_folder_is_the_metadata_one():
    """The holiday cache's files are named by the library's version, read from the
    dist-info folder's name (no importlib.metadata on a small run): the same answer."""
    from importlib.metadata import version

    from slalang import holiday_data

    holiday_data._library_version.cache_clear()
    assert holiday_data._library_version() == version("holidays")
