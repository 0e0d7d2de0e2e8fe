"""Workbench accounts: users with a role, passwords hashed with scrypt, expiring sessions, rate-limited sign-in.

Roles: ``viewer`` reads; ``analyst`` also assesses signals; ``admin`` also manages accounts (``pv users``). The
tables live in the assessment store (:mod:`pv.signals.assessments`), beside the database, so that signing in
never waits for a nightly run. Passwords: scrypt (RFC 7914; N = 2^15, r = 8, p = 1, 16-byte salt), compared in
constant time. Session tokens: 32 random bytes, kept only as their SHA-256, expiring after ``SESSION_HOURS``.
Sign-in: at most ``MAX_FAILURES`` failed attempts per name, and per client, in ``WINDOW_MINUTES``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pv import db
from pv.errors import PvError
from pv.signals.assessments import open_store

ROLES = ("viewer", "analyst", "admin")
SESSION_HOURS = 8
MAX_FAILURES, WINDOW_MINUTES = 5, 15
_N, _R, _P = 2**15, 8, 1
MIN_PASSWORD = 12


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=128 * 1024 * 1024)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        again = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               maxmem=128 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(again.hex(), digest)


def _schema(con) -> None:
    con.executescript((db.sql_dir() / "assessments" / "accounts.sql").read_text(encoding="utf-8"))


def add_user(store: str | Path, name: str, role: str, password: str) -> None:
    name = name.strip()
    if not name or name == "pv" or any(c in name for c in "<>&\"'") or len(name) > 64:
        raise PvError(f"User name {name!r}: 1 to 64 characters, not 'pv', without < > & quotes.")
    if role not in ROLES:
        raise PvError(f"--role {role!r} is not a role; use one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise PvError(f"The password must have at least {MIN_PASSWORD} characters.")
    with open_store(store) as con:
        _schema(con)
        if con.execute("select 1 from workbench_user where name = ?", (name,)).fetchone():
            raise PvError(f"A user named {name!r} exists already.")
        con.execute("insert into workbench_user (name, role, password_hash, created_at) values (?, ?, ?, ?)",
                    (name, role, hash_password(password), _iso(_now())))


def disable_user(store: str | Path, name: str) -> None:
    with open_store(store) as con:
        _schema(con)
        if not con.execute("update workbench_user set disabled_at = ? where name = ? and disabled_at is null",
                           (_iso(_now()), name)).rowcount:
            raise PvError(f"No active user named {name!r}.")
        con.execute("delete from workbench_session where name = ?", (name,))


def users(store: str | Path) -> list[dict]:
    if not Path(store).exists():
        return []
    with open_store(store) as con:
        _schema(con)
        rows = con.execute("select name, role, created_at, disabled_at from workbench_user order by name").fetchall()
    return [dict(zip(("name", "role", "created_at", "disabled_at"), r, strict=True)) for r in rows]


def has_users(store: str | Path) -> bool:
    return any(u["disabled_at"] is None for u in users(store))


@dataclass
class User:
    name: str
    role: str

    @property
    def can_assess(self) -> bool:
        return self.role in ("analyst", "admin")


def sign_in(store: str | Path, name: str, password: str, client: str) -> str:
    """A new session token for ``name``, or PvError (wrong credentials, too many failures)."""
    now = _now()
    since = _iso(now - timedelta(minutes=WINDOW_MINUTES))
    with open_store(store) as con:
        _schema(con)
        failures = con.execute("select count(*) from workbench_login_attempt where not succeeded and at >= ? and "
                               "(name = ? or client = ?)", (since, name, client)).fetchone()[0]
        if failures >= MAX_FAILURES:
            raise PvError(f"Too many failed sign-ins; try again in {WINDOW_MINUTES} minutes.")
        row = con.execute("select password_hash from workbench_user where name = ? and disabled_at is null",
                          (name,)).fetchone()
        ok = verify_password(password, row[0]) if row else verify_password(password, _DUMMY)
        ok = ok and row is not None
        con.execute("insert into workbench_login_attempt (name, client, at, succeeded) values (?, ?, ?, ?)",
                    (name, client, _iso(now), int(ok)))
        if not ok:
            raise PvError("Wrong name or password.")
        token = secrets.token_urlsafe(32)
        con.execute("insert into workbench_session (token_sha256, name, created_at, expires_at) values (?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), name, _iso(now),
                     _iso(now + timedelta(hours=SESSION_HOURS))))
    return token


def session_user(store: str | Path, token: str | None) -> User | None:
    """The signed-in user of a session token, or None (no token, unknown, expired, user disabled)."""
    if not token or not Path(store).exists():
        return None
    with open_store(store) as con:
        _schema(con)
        row = con.execute("select u.name, u.role from workbench_session as s join workbench_user as u using (name) "
                          "where s.token_sha256 = ? and s.expires_at > ? and u.disabled_at is null",
                          (hashlib.sha256(token.encode()).hexdigest(), _iso(_now()))).fetchone()
    return User(*row) if row else None


def sign_out(store: str | Path, token: str | None) -> None:
    if token and Path(store).exists():
        with open_store(store) as con:
            _schema(con)
            con.execute("delete from workbench_session where token_sha256 = ?",
                        (hashlib.sha256(token.encode()).hexdigest(),))


# verifying against a dummy hash when the name is unknown keeps the answer's timing the same
_DUMMY = "scrypt$32768$8$1$" + "00" * 16 + "$" + "00" * 64
