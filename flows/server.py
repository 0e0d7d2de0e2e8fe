"""The local Prefect API that ``pv run`` runs its flow against: started here, tied to this process's life.

Prefect's own temporary server (started when no API is configured) outlives a ``kill -9`` of the process that
started it, keeping ~200 MB and a port. This one is the same server (uvicorn with Prefect's app, UI off, loopback
only), started with :func:`pv.procs.die_with_parent`, and its PID is written to ``$PREFECT_HOME/pv-api.pid`` so
that the next ``pv run`` stops one that survived anyway (on a system without the kernel guard).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from pv.errors import PvError
from pv.procs import die_with_parent, pid_alive

SERVER_APP = "prefect.server.api.server:create_app"


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pid_file() -> Path:
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    home.mkdir(parents=True, exist_ok=True)
    return home / "pv-api.pid"


def stop_orphaned_api() -> bool:
    """Stop a local API left by a ``pv run`` that was killed; True if one was stopped."""
    path = pid_file()
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    stopped = False
    if pid_alive(pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            cmdline = b""
        if SERVER_APP.encode() in cmdline:
            os.kill(pid, signal.SIGTERM)
            stopped = True
    path.unlink(missing_ok=True)
    return stopped


@contextmanager
def local_api(timeout: float = 120.0) -> Iterator[str]:
    """Start Prefect's API on a free loopback port, point this process at it, and stop it on exit."""
    import prefect

    stop_orphaned_api()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent), "--factory",
         SERVER_APP, "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=die_with_parent())
    pid_file().write_text(f"{server.pid} {port}\n")
    previous = os.environ.get("PREFECT_API_URL")
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                tail = (server.stderr.read() or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
                raise PvError(f"Prefect's local API did not start (exit {server.returncode}): {' | '.join(tail)}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise PvError(f"Prefect's local API did not answer on {url} within {timeout:.0f} s.") from None
                time.sleep(0.2)
        os.environ["PREFECT_API_URL"] = url
        yield url
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        pid_file().unlink(missing_ok=True)
