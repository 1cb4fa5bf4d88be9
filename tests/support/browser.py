"""Headless Chromium for tests of rendered pages: run it on a file, read its console log.

Chromium is run with networking features off and its log on stderr; a page must produce no
console message. Tests using it skip when ``/usr/bin/chromium`` is absent (CI installs it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def chromium(tmp_path: Path, html: Path, *mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=0", *mode, "--window-size=1280,2000", html.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)


def console_problems(stderr: str) -> list[str]:
    """Chromium's log lines about the page: console messages and failed loads."""
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line or "Uncaught" in line or "net::ERR" in line
            or "Failed to load resource" in line]
