"""Issue 16, items 11-14: interruption, readers, killed processes, and zips that lie about their sizes."""

from __future__ import annotations

import io
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from pv import db, procs
from pv.errors import InputRefused, PvError
from pv.ingest.sources import discover

ROOT = Path(__file__).resolve().parents[2]


def _reader(path: Path, seconds: float) -> subprocess.Popen:
    code = f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only=True); print('open', flush=True); time.sleep({seconds})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_a_reader_never_breaks_a_writer_that_waits(tmp_path):
    path = tmp_path / "pv.duckdb"
    duckdb.connect(str(path)).close()
    reader = _reader(path, 3)
    with pytest.raises(PvError, match=rf"in use by another process \(PID {reader.pid}\)"):
        db.connect(path)                                      # no wait: one sentence naming the holder
    waits = []
    t0 = time.monotonic()
    con = db.connect(path, busy_timeout=60, on_wait=waits.append)
    assert time.monotonic() - t0 >= 1 and waits and "retrying" in waits[0]
    con.execute("create table t as select 1").fetchall()
    con.close()
    reader.wait()


def test_the_flow_tasks_wait_for_readers(tmp_path, monkeypatch):
    from flows import nightly

    waits = []
    monkeypatch.setattr(nightly, "_log_wait", waits.append)     # the run log, outside a flow run

    source = (ROOT / "flows" / "nightly.py").read_text()
    assert "with db.connect(" not in source            # every task connects through nightly._connect
    path = tmp_path / "pv.duckdb"
    duckdb.connect(str(path)).close()
    reader = _reader(path, 2)
    with nightly._connect(nightly.Database(str(path), busy_timeout=60)) as con:
        con.execute("create table t as select 1").fetchall()
    reader.wait()
    assert waits and "in use by another process" in waits[0] and f"PID {reader.pid}" in waits[0]


def test_children_die_with_their_parent_when_it_is_killed(tmp_path):
    pid_file = tmp_path / "child.pid"
    parent = textwrap.dedent(f"""
        import subprocess, sys, time
        from pv.procs import die_with_parent
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=die_with_parent())
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", parent], cwd=ROOT)
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.1)
    child = int(pid_file.read_text())
    assert procs.pid_alive(child)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(50):
        try:
            os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            pass
        if not procs.pid_alive(child) or Path(f"/proc/{child}/stat").read_text().split()[2] == "Z":
            break
        time.sleep(0.1)
    alive = procs.pid_alive(child) and Path(f"/proc/{child}/stat").read_text().split()[2] != "Z"
    assert not alive


def test_a_report_folder_left_by_a_killed_process_is_removed(tmp_path):
    from pv.report import staged

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f".pv-partial-{dead.stdout.strip()}-7"
    left.mkdir()
    (left / "scores.csv").write_text("half")
    database = {"path": "x", "database_id": "id", "created_at": None}
    with staged(tmp_path / "8", database, 8) as work:
        (work / "manifest.json").write_text('{"run_id": 8, "database": {"database_id": "id"}}')
    assert not left.exists() and (tmp_path / "8" / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["8"]


def test_temporary_folders_of_a_killed_process_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f"pv-pdf-{dead.stdout.strip()}-abc"
    orphan.mkdir()
    (orphan / "part.html").write_text("x")
    mine = tmp_path / f"pv-pdf-{os.getpid()}-def"
    mine.mkdir()
    assert procs.remove_orphaned_dirs("pv-pdf-", tmp_path) == [orphan]
    assert not orphan.exists() and mine.exists()


def test_an_orphaned_local_api_is_stopped_by_the_next_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    from flows import server

    fake = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)",
                             server.SERVER_APP], stdout=subprocess.PIPE, text=True)
    assert fake.stdout.readline().strip() == "up"          # running its own command line, not still forking
    server.pid_file().write_text(f"{fake.pid} 1234\n")
    assert server.stop_orphaned_api()
    assert fake.wait(timeout=10) == -signal.SIGTERM
    assert not server.pid_file().exists()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])   # not ours: left alone
    server.pid_file().write_text(f"{other.pid} 1234\n")
    assert not server.stop_orphaned_api() and other.poll() is None
    other.kill()


def _lying_zip(path: Path, *, declared_compressed: int | None = None, declared_size: int | None = None) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ASCII/DEMO19Q1.txt", b"primaryid$caseid$fda_dt$\n" + b"1$1$20190101$\n" * 200_000)
    raw = bytearray(buf.getvalue())
    central = raw.rfind(b"PK\x01\x02")
    if declared_compressed is not None:
        struct.pack_into("<I", raw, central + 20, declared_compressed)
    if declared_size is not None:
        struct.pack_into("<I", raw, central + 24, declared_size)
    path.write_bytes(bytes(raw))
    return path


def test_a_zip_that_lies_about_its_sizes_is_refused_before_reading(tmp_path):
    with pytest.raises(InputRefused, match="declares 500,000,000 compressed bytes but the archive has"):
        discover(_lying_zip(tmp_path / "a.zip", declared_compressed=500_000_000))
    # a plausible-looking ratio, but the member claims 3 GB from an archive of a few kB
    with pytest.raises(InputRefused, match="zip bomb"):
        discover(_lying_zip(tmp_path / "b.zip", declared_size=3_000_000_000))


def test_ctrl_c_during_ingest_exits_130_and_says_so(tmp_path):
    from pv import synth

    synth.write_quarters(tmp_path / "in", 60_000, 3, seed=2)
    env = {k: v for k, v in os.environ.items() if k != "PV_DB"}
    proc = subprocess.Popen([sys.executable, "-m", "pv.cli", "ingest", str(tmp_path / "in"), "--db",
                             str(tmp_path / "i.duckdb")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    deadline = time.monotonic() + 60
    while not (tmp_path / "i.duckdb").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "rolled back" in err and "Traceback" not in err
    with duckdb.connect(str(tmp_path / "i.duckdb"), read_only=True) as con:   # whole quarters or none
        loaded = con.execute("select coalesce(sum(n_demo), 0) from ingest_log").fetchall()[0][0]
        assert con.execute("select count(*) from raw_demo").fetchall()[0][0] == loaded
