"""The HTML report in headless Chromium: it loads without console errors and fetches nothing.

Runs when ``/usr/bin/chromium`` exists (CI installs it), skipped otherwise. Chromium is run
with networking features off and its log on stderr; the report must produce no console
message, and its HTML must name no network resource to load.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from browser import CHROMIUM, chromium, console_problems

from slalang.document import read_verdicts
from slalang.render.report import render_report

INPUT = Path(__file__).parent / "golden" / "report-input"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.parametrize("view", ["customers", "portfolio", "public"])
def test_report_opens_cleanly_in_chromium(tmp_path: Path, view: str) -> None:
    ev = json.loads((INPUT / "evaluation-2026-Q3.json").read_text(encoding="utf-8"))
    html = render_report(ev, verdicts=read_verdicts(str(INPUT / "verdicts-2026-Q3.csv")),
                         format="html", lang="it", view=view)
    # nothing to fetch: no external stylesheet, script, image or frame, no URL but the SVG ns
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"(src|href)\s*=", html, re.I)
    assert not re.search(r"https?://", html.replace("http://www.w3.org/2000/svg", ""))
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "report.png"
    result = chromium(tmp_path, page, f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000, result.stderr[-2000:]
    assert console_problems(result.stderr) == []
    dom = chromium(tmp_path, page, "--dump-dom")
    assert dom.returncode == 0
    assert ("<svg" in dom.stdout) == (view != "portfolio")
    assert console_problems(dom.stderr) == []


def test_console_problems_are_noticed() -> None:
    line = ('[1:1:1126/225030.1:INFO:CONSOLE(1)] "Uncaught ReferenceError: x is not defined", '
            'source: file:///tmp/r.html (1)')
    assert console_problems("noise\n" + line) == [line]


def test_a_broken_page_is_caught(tmp_path: Path) -> None:
    """The detector works on a real page that logs an error (guards against a vacuous test)."""
    if shutil.which(str(CHROMIUM)) is None:
        pytest.skip("chromium not runnable")
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>console.error('boom')</script>",
                    encoding="utf-8")
    result = chromium(tmp_path, page, "--dump-dom")
    assert any("boom" in line for line in console_problems(result.stderr))


def pdf_pages(tmp_path: Path, html: str, name: str) -> int:
    """Print ``html`` to PDF with Chromium and count the pages."""
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / f"{name}.pdf"
    result = chromium(tmp_path, page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert pdf.exists(), result.stderr[-2000:]
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


@pytest.mark.slow
def test_each_customer_starts_a_new_printed_page(tmp_path: Path) -> None:
    ev = json.loads((INPUT / "evaluation-2026-Q3.json").read_text(encoding="utf-8"))
    verdicts = read_verdicts(str(INPUT / "verdicts-2026-Q3.csv"))
    alone = [pdf_pages(tmp_path, render_report(ev, verdicts=verdicts, format="html",
                                               customer=c["customer"]), f"c{i}")
             for i, c in enumerate(ev["customers"])]
    together = pdf_pages(tmp_path, render_report(ev, verdicts=verdicts, format="html"), "all")
    # with a page break before every customer, the pages add up exactly
    assert min(alone) >= 1 and together == sum(alone)
    # a customer's quarter prints on a few dense pages (it once took 12 for three customers,
    # half-empty, the credits on page 4, the closing footer alone on the last)
    assert max(alone) <= 4, alone
