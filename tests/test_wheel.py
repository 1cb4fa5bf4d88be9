"""The built wheel works outside the checkout: the grammar travels inside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_checks_a_policy_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        capture_output=True, text=True, cwd=tmp_path)
    if build.returncode != 0 and "hatchling" in build.stdout + build.stderr and (
            "Could not" in build.stdout + build.stderr):
        pytest.skip("the build backend (hatchling) cannot be downloaded here")
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("slalang-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert "slalang/grammar/slalang.lark" in names
    assert "slalang/schemas/policy.schema.json" in names

    # A fresh venv holding only the wheel; the runtime dependencies come from this venv's
    # site-packages through a .pth path (plain paths in .pth files do not run the editable
    # install's hook, so the checkout cannot leak in).
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], capture_output=True, text=True, check=True).stdout
    Path(site.strip(), "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index",
                              "--quiet", str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(ROOT / "policies" / "reference.sla", work / "policy.sla")
    shutil.copy(ROOT / "policies" / "customers.yaml", work / "customers.yaml")  # its roster
    where = subprocess.run([str(python), "-c", "import slalang; print(slalang.__file__)"],
                           capture_output=True, text=True, cwd=work, check=True).stdout
    assert str(env_dir) in where and str(ROOT) not in where
    check = subprocess.run([str(env_dir / "bin" / "slalang"), "check", "policy.sla"],
                           capture_output=True, text=True, cwd=work)
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")
    # the starter project travels in the wheel too, and what it writes evaluates as written
    init = subprocess.run([str(env_dir / "bin" / "slalang"), "init", "starter"],
                          capture_output=True, text=True, cwd=work)
    assert init.returncode == 0, init.stderr
    run = subprocess.run([str(env_dir / "bin" / "slalang"), "evaluate", "policy.sla",
                          "--tickets", "export/tickets.csv", "--events", "export/events.csv",
                          "--mapping", "mapping.yaml", "--downtime", "export/downtime.csv",
                          "--period", "2026-Q3"], capture_output=True, text=True,
                         cwd=work / "starter")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("credits owed: 445.00 EUR")
