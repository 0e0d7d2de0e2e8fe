"""``pv app``: the signal-management workbench, a local web application over the database (issue 13).

A face like the command line: each handler calls :mod:`pv.signals.review` (reads) or
:mod:`pv.signals.assessments` (the one writer), and renders a template; no SQL and no statistic lives here.

* **Reads** open a read-only connection per request. While a nightly run holds the database, pages are served
  from the published copy (``published_copy`` in pv.toml) when there is one, and say so; else they say the
  database is busy. Assessments are written to the assessment store, which a run never holds.
* **Security.** Without accounts it listens on 127.0.0.1 only and asks an assessor's name in the form. Once
  accounts exist (``pv users add``, :mod:`pv.accounts`) every page needs a signed-in user, the audit trail records
  that user, a viewer cannot assess, and it may listen on other addresses. Every value is escaped on output
  (Jinja autoescaping) and bound in SQL; forms carry a CSRF token (a random value in a SameSite=Strict, HttpOnly
  cookie that the form must repeat); responses forbid framing and inline scripts.
"""

from __future__ import annotations

import hmac
import io
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pv import __version__, accounts, db
from pv.errors import PvError
from pv.report.cells import neutralise_frame
from pv.signals import assessments, review

CSRF_COOKIE = "pv_csrf"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HEADERS = {"Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


SESSION_COOKIE = "pv_session"


def check_host(host: str, store: str | Path) -> None:
    if host not in LOOPBACK and not accounts.has_users(store):
        raise PvError(f"pv app listens on 127.0.0.1 until user accounts exist: add one with `pv users add NAME --role "
                      f"admin` before listening on {host}.")


def create_app(database: str | Path, store: str | Path, published: str | Path | None = None,
               reports_root: str | Path | None = None) -> Starlette:
    """``reports_root``: the folder of this database's run reports (``<reports_dir>/<database name>``)."""
    database, store = Path(database), Path(store)
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.filters["num"] = _num

    def connect() -> tuple[duckdb.DuckDBPyConnection, str | None]:
        try:
            return db.connect(database, read_only=True), None
        except PvError:
            if published and Path(published).exists():
                return db.connect(published, read_only=True), (
                    "A run is writing the database: these pages show the published copy of the last run.")
            raise

    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        html = env.get_template(template).render(csrf=token, version=__version__,
                                                 user=request.scope.get("pv_user"), **context)
        response = HTMLResponse(html, status_code=status, headers=HEADERS)
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
        return response

    def csrf_ok(request: Request, form: dict) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie, form.get("csrf", ""))

    async def form_of(request: Request) -> dict:
        body = (await request.body()).decode("utf-8")
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    def signed_in(handler):
        """Every page needs a signed-in user once accounts exist; without accounts (127.0.0.1 only) none does."""
        async def wrapped(request: Request) -> Response:
            request.scope["pv_user"] = accounts.session_user(store, request.cookies.get(SESSION_COOKIE))
            if request.scope["pv_user"] is None and accounts.has_users(store):
                return RedirectResponse("/login", status_code=303, headers=HEADERS)
            result = handler(request)
            return await result if hasattr(result, "__await__") else result
        return wrapped

    def login_form(request: Request) -> Response:
        return page(request, "login.html.j2", error=request.query_params.get("error"))

    async def login(request: Request) -> Response:
        form = await form_of(request)
        if not csrf_ok(request, form):
            return page(request, "message.html.j2", 403, title="Refused",
                        message="The form's security token is missing or stale: reload the page and submit again.")
        client = request.client.host if request.client else "unknown"
        try:
            token = accounts.sign_in(store, form.get("name", "").strip(), form.get("password", ""), client)
        except PvError as exc:
            return RedirectResponse("/login?" + urlencode({"error": str(exc)}), status_code=303, headers=HEADERS)
        response = RedirectResponse("/", status_code=303, headers=HEADERS)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                            max_age=accounts.SESSION_HOURS * 3600)
        return response

    async def logout(request: Request) -> Response:
        if csrf_ok(request, await form_of(request)):
            accounts.sign_out(store, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303, headers=HEADERS)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def busy(request: Request, exc: PvError) -> HTMLResponse:
        return page(request, "message.html.j2", 503, title="Database busy", message=str(exc))

    def reading(request: Request, read):
        """``read(con)`` on a read-only connection: (its result, a note on where it read, None), or (None, None,
        the busy page) when neither the database nor a published copy can be read."""
        try:
            con, note = connect()
        except PvError as exc:
            return None, None, busy(request, exc)
        with con:
            return read(con), note, None

    def filters_of(request: Request) -> review.Filters:
        q = request.query_params
        return review.Filters(drug=q.get("drug", ""), level=q.get("level", ""), criterion=q.get("criterion", ""),
                              status=q.get("status", ""), labelled=q.get("labelled", ""),
                              new_since=q.get("new_since", ""), sort=q.get("sort", "eb05"),
                              descending=q.get("order", "desc") != "asc")

    def signals(request: Request) -> Response:
        f = filters_of(request)
        rows, note, refused = reading(request, lambda con: review.signal_list(con, f) if review.ready(con) else None)
        if refused:
            return refused
        if rows is None:
            return page(request, "message.html.j2", title="No run yet",
                        message="No completed signal run in this database yet: run `pv run` first.")
        query = {k: v for k, v in f.params().items() if v}
        return page(request, "signals.html.j2", rows=rows, f=f, note=note, levels=review.LEVEL_ORDER,
                    statuses=("unassessed", *assessments.STATUSES), sortable=review.SORTABLE,
                    export=urlencode(query), query=query)

    def signals_csv(request: Request) -> Response:
        f = filters_of(request)
        rows, _, refused = reading(request, lambda con: review.signal_list(con, f) if review.ready(con) else [])
        if refused:
            return refused
        frame = neutralise_frame(pd.DataFrame(rows, columns=list(rows[0]) if rows else ["level", "drug", "event"]))
        out = io.StringIO()
        frame.to_csv(out, index=False, lineterminator="\n")
        return Response(out.getvalue(), media_type="text/csv",
                        headers={**HEADERS, "Content-Disposition": 'attachment; filename="signals.csv"'})

    def signal(request: Request) -> Response:
        q = request.query_params
        level, drug, event = q.get("level", "pt"), q.get("drug", ""), q.get("event", "")
        found, note, refused = reading(
            request, lambda con: review.signal_page(con, store, level, drug, event) if review.ready(con) else None)
        if refused:
            return refused
        if found is None:
            return page(request, "message.html.j2", 404, title="Not scored",
                        message=f"The latest run did not score {drug} × {event} at level {level}.")
        return page(request, "signal.html.j2", s=found.stats, cases=found.cases, trend=found.trend,
                    history=found.history, subgroups=found.subgroups, onset=found.onset, note=note,
                    statuses=assessments.STATUSES,
                    error=q.get("error"), done=q.get("done"))

    async def assess(request: Request) -> Response:
        form = await form_of(request)
        if not csrf_ok(request, form):
            return page(request, "message.html.j2", 403, title="Refused",
                        message="The form's security token is missing or stale: reload the page and submit again.")
        user = request.scope.get("pv_user")
        if user is not None and not user.can_assess:
            return page(request, "message.html.j2", 403, title="Refused",
                        message=f"Your role ({user.role}) can read signals, not assess them.")
        by = user.name if user is not None else form.get("assessor", "")
        key = {"level": form.get("level", ""), "drug": form.get("drug", ""), "event": form.get("event", "")}
        back = "/signal?" + urlencode(key)
        try:
            with connect()[0] as con:
                stats = assessments.pair_stats(con, key["level"], key["drug"], key["event"])
        except PvError:
            stats = None       # the run's next baseline serves (see pv.signals.assessments)
        try:
            changes = assessments.assess(store, key["level"], key["drug"], key["event"], by=by,
                                         status=form.get("status") or None, rationale=form.get("rationale") or None,
                                         evidence=form.get("evidence") or None,
                                         next_review=form.get("next_review") or None, stats=stats)
        except PvError as exc:
            return RedirectResponse(back + "&" + urlencode({"error": str(exc)}), status_code=303, headers=HEADERS)
        return RedirectResponse(back + "&" + urlencode({"done": f"{len(changes)} change(s) recorded"}),
                                status_code=303, headers=HEADERS)

    def runs(request: Request) -> Response:
        rows, note, refused = reading(request, review.runs)
        return refused or page(request, "runs.html.j2", rows=rows, note=note)

    def quality(request: Request) -> Response:
        rows, note, refused = reading(request, review.data_quality)
        return refused or page(request, "quality.html.j2", rows=rows, note=note)

    def case(request: Request) -> Response:
        case_id = request.query_params.get("id", "")
        found, note, refused = reading(request, lambda con: review.case_page(con, case_id))
        if refused:
            return refused
        if found is None:
            return page(request, "message.html.j2", 404, title="No such case",
                        message=f"No case {case_id} in the standardized layer.")
        return page(request, "case.html.j2", c=found, note=note)

    def files(request: Request) -> Response:
        run_id = int(request.path_params["run_id"])
        return page(request, "files.html.j2", run_id=run_id, names=review.report_files(reports_root, run_id))

    def file(request: Request) -> Response:
        run_id, name = int(request.path_params["run_id"]), request.path_params["name"]
        if name not in review.report_files(reports_root, run_id):     # only the folder's own files, by name
            return page(request, "message.html.j2", 404, title="No such file",
                        message=f"Run {run_id}'s report has no file named {name}.")
        return FileResponse(Path(reports_root) / str(run_id) / name, headers=HEADERS)

    return Starlette(routes=[
        Route("/", signed_in(signals)), Route("/signals.csv", signed_in(signals_csv)),
        Route("/signal", signed_in(signal)), Route("/signal/assess", signed_in(assess), methods=["POST"]),
        Route("/runs", signed_in(runs)), Route("/case", signed_in(case)), Route("/login", login_form), Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]), Route("/quality", signed_in(quality)),
        Route("/runs/{run_id:int}/files", signed_in(files)),
        Route("/runs/{run_id:int}/files/{name:str}", signed_in(file)),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ])


def _num(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:
            return "–"
        if value in (float("inf"), float("-inf")):
            return "∞" if value > 0 else "−∞"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
