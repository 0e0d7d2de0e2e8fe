#!/usr/bin/env python3
"""One entry point for a fresh clone: set up the locked environment, then run pv or its tests.

    python3 dev.py run      # set up, then the nightly run on the bundled sample data (./pv.duckdb; sample_data/pv.toml)
    python3 dev.py test     # set up, then run the whole test suite
    python3 dev.py setup    # set up only
    python3 dev.py pv ARGS  # set up, then run the pv command line with ARGS

Set-up needs only python3 (3.11) and the package registries. It creates `.venv/`, installs the pinned `uv`
into it, and syncs the exact versions in `uv.lock`. A stamp of the lock file's hash makes the second run
skip all of that, so both commands are fast from an already set-up clone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
UV_VERSION = "0.13.9"
STAMP = VENV / ".pv-lock-stamp"


def _bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def _lock_digest() -> str:
    h = hashlib.sha256()
    for name in ("uv.lock", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    h.update(UV_VERSION.encode())
    h.update(b"--compile-bytecode")      # environments synced before bytecode was compiled sync once more
    return h.hexdigest()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        UV_PROJECT_ENVIRONMENT=str(VENV),
        UV_PYTHON_DOWNLOADS="never",
        UV_CACHE_DIR=env.get("UV_CACHE_DIR", str(ROOT / ".cache" / "uv")),
        # Prefect (later stages) keeps its state in the project, offline, without telemetry.
        PREFECT_HOME=env.get("PREFECT_HOME", str(ROOT / ".prefect")),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        MPLBACKEND="Agg",
    )
    return env


def setup() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"dev.py: pv needs Python 3.11; this is {sys.version.split()[0]}. Run it with python3.11.")
    digest = _lock_digest()
    if STAMP.exists() and STAMP.read_text().strip() == digest and _bin("pv").exists():
        return
    if not _bin("python").exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    env = _env()
    if not _bin("uv").exists():
        print(f"dev.py: installing uv {UV_VERSION}", flush=True)
        subprocess.run([str(_bin("python")), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"],
                       check=True, env=env)
    print("dev.py: installing the locked dependencies (uv.lock)", flush=True)
    # --inexact keeps uv itself, which lives in the same environment but is not in the lock. --compile-bytecode
    # writes the packages' .pyc once, here: where PYTHONDONTWRITEBYTECODE is set (containers, CI), every pv process
    # would otherwise compile Prefect, Great Expectations and pandas from source again (~12 s a process).
    subprocess.run([str(_bin("uv")), "sync", "--frozen", "--inexact", "--all-extras", "--compile-bytecode", "--python",
                    str(_bin("python"))],
                   check=True, cwd=ROOT, env=env)
    STAMP.write_text(digest + "\n")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command not in {"run", "test", "setup", "pv"}:
        print(f"dev.py: unknown command {command!r}; use run, test, setup or pv.", file=sys.stderr)
        return 2
    setup()
    env = _env()
    if command == "setup":
        return 0
    if command == "run":
        # the demo's configuration (sample_data/pv.toml), unless the user brings one
        own = "--config" in rest or (ROOT / "pv.toml").exists()
        demo = [] if own else ["--config", str(ROOT / "sample_data" / "pv.toml")]
        return subprocess.call([str(_bin("pv")), "run", *demo, *rest], cwd=ROOT, env=env)
    if command == "pv":
        return subprocess.call([str(_bin("pv")), *rest], cwd=ROOT, env=env)
    browser_for_tests()
    return subprocess.call([str(_bin("python")), "-m", "pytest", *rest], cwd=ROOT, env=env)


def browser_for_tests() -> None:
    """The browser tests drive Debian's Chromium (packages chromium and chromium-driver; no browser is ever
    downloaded): installed here when this runs as root with apt-get, else named as missing."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    command = ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("dev.py: installing Debian's chromium and chromium-driver for the browser tests", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", "update", "-qq"], env=env).returncode == 0 and \
            subprocess.run(command, env=env).returncode == 0
        if done and shutil.which("chromium") and shutil.which("chromedriver"):
            return
    print("dev.py: the browser tests need Debian's chromium and chromium-driver (/usr/bin/chromium, "
          "/usr/bin/chromedriver), which are missing: run `sudo " + " ".join(command) + "`. Until then those tests "
          "are reported as skipped.", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
