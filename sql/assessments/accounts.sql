-- Workbench accounts (pv.accounts), in the assessment store: who may sign in to `pv app` and with which role,
-- their sessions, and sign-in attempts (for rate limiting). Passwords are stored only as scrypt hashes; session
-- tokens only as SHA-256 hashes.
create table if not exists workbench_user (
    name          text primary key,
    role          text not null check (role in ('viewer', 'analyst', 'admin')),
    password_hash text not null,             -- scrypt$N$r$p$salt$hash (hex)
    created_at    text not null,
    disabled_at   text
);

create table if not exists workbench_session (
    token_sha256 text primary key,
    name         text not null references workbench_user (name),
    created_at   text not null,
    expires_at   text not null
);

create table if not exists workbench_login_attempt (
    name      text not null,
    client    text not null,
    at        text not null,
    succeeded integer not null
);
