"""Child processes that cannot outlive pv, and clean-up after a pv process that was killed.

A process killed with ``kill -9`` runs no clean-up code, so its children (the Prefect API server of ``pv run``,
the PDF workers of a report) would keep running, holding memory and a port, and its temporary folders would stay.
Two guards:

* every child pv starts asks the Linux kernel to kill it when its parent dies (``prctl(PR_SET_PDEATHSIG)``;
  elsewhere :func:`die_with_parent` does nothing and the second guard applies);
* temporary folders carry the owner's PID in their name (``pv-pdf-<pid>-...``, ``.pv-partial-<pid>-<run>``), and
  the next pv process removes the ones whose owner is gone (:func:`remove_orphaned_dirs`).
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import sys
import tempfile
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent():
    """A ``preexec_fn`` for :class:`subprocess.Popen`: the child gets SIGKILL when this process dies."""
    parent = os.getpid()

    def _arm() -> None:
        if not sys.platform.startswith("linux"):
            return
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:          # the parent died before the guard was armed
            os._exit(1)

    return _arm


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:                 # alive, someone else's
        return True
    return True


def owned_prefix(prefix: str) -> str:
    """``<prefix><pid>-``: the start of a folder name that says which process owns the folder."""
    return f"{prefix}{os.getpid()}-"


def owned_temp_dir(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder named ``<prefix><pid>-...`` so an orphan can be recognised later."""
    return tempfile.TemporaryDirectory(prefix=owned_prefix(prefix))


def remove_orphaned_dirs(prefix: str, base: str | os.PathLike | None = None) -> list[Path]:
    """Remove the ``<prefix><pid>-*`` folders in ``base`` (default: the temporary folder) whose process is gone;
    returns what was removed."""
    base = Path(base or tempfile.gettempdir())
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-")
    removed = []
    for path in base.glob(f"{prefix}*"):
        match = pattern.match(path.name)
        if match and path.is_dir() and not pid_alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
