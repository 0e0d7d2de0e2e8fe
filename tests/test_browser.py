"""The workbench in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven by Selenium
through the real pages, as issue 13 asks: open the signals list, filter to alemtuzumab, open a signal, record an
assessment, see it in the history and in the audit table, a viewer refused, a drug named like a script shown as
text. `python3 dev.py test` installs Chromium where it can (as root) and says what is missing where it cannot."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import duckdb
import pytest

from pv import accounts, runs
from pv.config import PvConfig
from pv.ingest import ingest_report_csv
from pv.signals import assessments

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver "
                       "(apt-get install chromium chromium-driver); python3 dev.py test installs them as root"),
]
SCRIPT = "<script>alert(1)</script>"
PASSWORD = {"ann": "analyst passphrase", "vic": "viewer passphrase"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A small database (alemtuzumab with a signal, a drug named like a script tag), two accounts, and the
    workbench served by uvicorn on a free port of 127.0.0.1."""
    import uvicorn

    from pv.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    rows = ["report_id,drug,event,sex,age_years,received_date"]
    for i in range(1, 601):
        drug = "ALEMTUZUMAB" if i % 10 == 0 else SCRIPT if i % 10 == 5 else f"DRUG{i % 7}"
        event = "HYPERTHYROIDISM" if i % 10 == 0 else "EVENT1" if i % 10 == 5 else f"EVENT{2 + i % 5}"
        rows.append(f"{i},{drug},{event},F,{20 + i % 60},2020-0{1 + i % 6}-15")
    (tmp / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    database, store = tmp / "pv.duckdb", tmp / "pv.assessments.sqlite"
    con = duckdb.connect(str(database))
    ingest_report_csv(con, tmp / "r.csv", source_name="src")
    runs.run_in_process(con, PvConfig(drugs_of_interest=["ALEMTUZUMAB"], signal_criteria=["ror025"], labels=[]))
    con.close()
    accounts.add_user(store, "ann", "analyst", PASSWORD["ann"])
    accounts.add_user(store, "vic", "viewer", PASSWORD["vic"])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(database, store), host="127.0.0.1", port=port,
                                          log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", store
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def _wait_for_next_page(driver, old) -> None:
    """Wait until ``old`` (the previous page's html element) is gone. While Chromium swaps the documents, asking
    about the old element can fail with an inspector error ("Node with given id does not belong to the document")
    rather than as stale: that too means the page is changing, so the wait asks again."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(expected_conditions.staleness_of(old))


def _submit(driver, button) -> None:
    """Click a form's button and wait for the next page (reading before it arrives would read the old one)."""
    from selenium.webdriver.common.by import By

    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    _wait_for_next_page(driver, old)


def _sign_in(driver, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    assert driver.current_url.endswith("/login")
    driver.find_element(By.ID, "l-name").send_keys(name)
    driver.find_element(By.ID, "l-password").send_keys(PASSWORD[name])
    _submit(driver, driver.find_element(By.CSS_SELECTOR, "form.assess button[type=submit]"))
    assert f"{name} (" in driver.find_element(By.TAG_NAME, "header").text


def test_an_analyst_filters_opens_a_signal_and_records_an_assessment(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, store = served
    _sign_in(browser, base, "ann")
    # the signals list: a drug named like a script is shown as text, and no script ran
    body = browser.find_element(By.TAG_NAME, "body").text
    assert SCRIPT.upper() in body
    assert browser.execute_script("return document.querySelectorAll('main script').length") == 0
    # filter to alemtuzumab, then open its signal
    field = browser.find_element(By.ID, "f-drug")
    field.clear()
    field.send_keys("alemtuzumab")
    Select(browser.find_element(By.ID, "f-level")).select_by_value("pt")
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    assert "1 signal(s)" in browser.find_element(By.TAG_NAME, "main").text
    browser.save_screenshot(str(tmp_path / "signals.png"))
    _submit(browser, browser.find_element(By.LINK_TEXT, "HYPERTHYROIDISM"))
    assert "ALEMTUZUMAB × HYPERTHYROIDISM" in browser.find_element(By.TAG_NAME, "h1").text
    assert "a = 60" in browser.find_element(By.TAG_NAME, "main").text
    # the time-to-signal plot is drawn by the shipped uPlot (a canvas), nothing fetched from elsewhere
    assert browser.find_elements(By.CSS_SELECTOR, "#trend-plot canvas")
    hosts = browser.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    assert set(hosts) <= {base.removeprefix("http://")}
    # record an assessment with the keyboard-reachable form
    Select(browser.find_element(By.ID, "a-status")).select_by_visible_text("under validation")
    browser.find_element(By.ID, "a-rationale").send_keys("60 reports; checking the cases")
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form.assess button[type=submit]"))
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "2 change(s) recorded" in main and "Status: under validation (ann," in main
    history = browser.find_element(By.XPATH, "//h2[.='Assessment history']/following-sibling::table[1]").text
    assert "ann status under validation" in history and "60 reports; checking the cases" in history
    browser.save_screenshot(str(tmp_path / "signal.png"))
    # at 200 % zoom (half the CSS width) the page reflows: only the wide tables scroll, in their own boxes
    browser.set_window_size(700, 1000)
    browser.refresh()
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.set_window_size(1400, 1000)
    # and in the audit table
    audit = assessments.read(store, "signal_assessment_audit").to_pylist()
    assert [(r["changed_by"], r["event"], r["field"]) for r in audit] == [
        ("ann", "HYPERTHYROIDISM", "status"), ("ann", "HYPERTHYROIDISM", "rationale")]


def test_a_viewer_reads_but_is_refused_the_assessment(served, browser):
    from selenium.webdriver.common.by import By

    base, store = served
    before = len(assessments.read(store, "signal_assessment_audit"))
    _sign_in(browser, base, "vic")
    browser.get(base + "/signal?level=pt&drug=ALEMTUZUMAB&event=HYPERTHYROIDISM")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Your role (viewer) reads signals; an analyst records assessments." in main
    assert not browser.find_elements(By.ID, "a-status")
    # a form posted anyway (as a page of another site could not: the CSRF token) is refused by role
    old = browser.find_element(By.TAG_NAME, "html")
    browser.execute_script("""
        const f = document.createElement('form'); f.method = 'post'; f.action = '/signal/assess';
        for (const [k, v] of Object.entries({csrf: document.querySelector('header input[name=csrf]').value,
             level: 'pt', drug: 'ALEMTUZUMAB', event: 'HYPERTHYROIDISM', status: 'refuted'})) {
            const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }
        document.body.appendChild(f); f.submit();""")
    _wait_for_next_page(browser, old)
    assert "Your role (viewer) can read signals, not assess them." in browser.find_element(By.TAG_NAME, "main").text
    assert len(assessments.read(store, "signal_assessment_audit")) == before
