"""SQL Lab in the browser, signed in as an analyst: run, errors with their position, Cancel, saving,
loading a saved query by link, and the role gate."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import requests

from queries.service import QueryRecord
from store import AuditLog
from store.db import Database
from store.history import HistoryFilter, QueryHistory
from tests.conftest import login

# Three cross joins of 3000 generated values: 27 billion rows, minutes on two cores, so only
# Cancel ends it. The guard allows UNNEST(sequence(...)): it reads no table and no file.
SLOW_SQL = ("SELECT count(*) AS n FROM UNNEST(sequence(1, 3000)) AS a (x) "
            "CROSS JOIN UNNEST(sequence(1, 3000)) AS b (y) CROSS JOIN UNNEST(sequence(1, 3000)) AS c (z)")


def _open(page, app_server, path: str = "/sql") -> None:
    login(page, "analyst", app_server.url)
    page.goto(app_server.url + path)
    page.wait_for_selector("#sql_lab-editor")


def _write(page, sql: str) -> None:
    page.fill("#sql_lab-editor", sql)


def _run(page) -> None:
    page.click("#sql_lab-editor")
    page.keyboard.press("Control+Enter")


def _wait_first_cell(page, text: str) -> None:
    page.wait_for_function("""(text) => { const c = document.querySelector(
        '#sql_lab-grid .ag-center-cols-container .ag-row[row-index="0"] .ag-cell');
        return c && c.textContent === text; }""", arg=text)


def _grid_rows(page) -> list[list[str]]:
    return page.evaluate("""() => [...document.querySelectorAll('#sql_lab-grid .ag-center-cols-container .ag-row')]
        .map(r => [...r.querySelectorAll('.ag-cell')].map(c => c.textContent))""")


def test_sql001_run_a_query_and_see_rows(page, app_server):
    _open(page, app_server)
    _write(page, "SELECT tenant_id, count(*) AS interactions\nFROM interactions\nGROUP BY tenant_id\n"
                 "ORDER BY tenant_id")
    started = time.perf_counter()
    _run(page)
    _wait_first_cell(page, "t01")
    elapsed = time.perf_counter() - started
    rows = _grid_rows(page)
    # The analyst's tenants only (t01, t02), whatever the SQL asks for.
    assert [r[0] for r in rows] == ["t01", "t02"]
    assert all(int(r[1].replace(",", "")) > 0 for r in rows)
    assert re.search(r"2 rows · [\d.]+ s", page.inner_text("#sql_lab-summary"))
    assert not page.is_disabled("#sql_lab-run")
    print(f"time to first rows: {elapsed:.2f} s")


def test_sql002_syntax_error_shows_its_position(page, app_server):
    _open(page, app_server)
    _write(page, "SELECT tenant_id\nFROM interactions\nWHERE (")
    _run(page)
    page.wait_for_selector(".sql-error")
    text = page.inner_text(".sql-error")
    assert "syntax error" in text
    assert re.search(r"Line 3, column \d+", text)
    assert "Traceback" not in page.inner_text("body")


def test_sql003_refused_and_engine_errors_are_plain(page, app_server):
    _open(page, app_server)
    _write(page, "DELETE FROM interactions")
    _run(page)
    page.wait_for_selector(".sql-error")
    assert "refused" in page.inner_text(".sql-error")
    _write(page, "SELECT no_such_column\nFROM interactions")
    _run(page)
    page.wait_for_function("() => document.querySelector('.sql-error') && "
                           "document.querySelector('.sql-error').textContent.includes('no_such_column')")
    assert "Line 1" in page.inner_text(".sql-error")


def test_sql004_row_cap_is_shown(page, app_server):
    _open(page, app_server)
    _write(page, "SELECT x FROM UNNEST(sequence(1, 250000)) AS t (x) ORDER BY x")
    _run(page)
    page.wait_for_selector(".row-cap-notice")
    assert "row cap of 100,000" in page.inner_text(".row-cap-notice")
    assert "100,000 rows" in page.inner_text("#sql_lab-summary")
    # Paging and sorting happen on the server, over the capped result.
    _wait_first_cell(page, "1")
    page.click("#sql_lab-grid .ag-header-cell[col-id='x']")  # ascending
    page.click("#sql_lab-grid .ag-header-cell[col-id='x']")  # descending
    _wait_first_cell(page, "100000")
    page.click("#sql_lab-grid .ag-paging-button[aria-label='Next Page']")
    page.wait_for_function("""() => { const c = document.querySelector(
        '#sql_lab-grid .ag-center-cols-container .ag-row[row-index="100"] .ag-cell');
        return c && c.textContent === '99900'; }""")


def test_sql005_cancel_a_slow_query_and_recover(page, app_server):
    _open(page, app_server)
    _write(page, SLOW_SQL)
    _run(page)
    page.wait_for_function("() => document.querySelector('#sql_lab-progress').textContent.includes('query id')",
                           timeout=30_000)
    assert page.is_disabled("#sql_lab-run")
    started = time.perf_counter()
    page.click("#sql_lab-cancel")
    page.wait_for_selector(".sql-cancelled", timeout=30_000)
    latency = time.perf_counter() - started
    assert not page.is_disabled("#sql_lab-run")
    assert page.is_disabled("#sql_lab-cancel")
    print(f"cancel latency: {latency:.2f} s")
    # The page recovers: the next query runs.
    _write(page, "SELECT count(*) AS n FROM tenants")
    _run(page)
    _wait_first_cell(page, "2")


def test_sql006_schema_click_inserts_names(page, app_server):
    _open(page, app_server)
    _write(page, "SELECT ")
    page.click("#sql_lab-editor")
    page.keyboard.press("End")
    page.click(".schema-browser .accordion-button:has-text('clinicians')")
    page.click(".schema-name[data-insert='specialty']")
    page.keyboard.type(" FROM ")
    page.click(".schema-name[data-insert='clinicians']")
    assert page.input_value("#sql_lab-editor") == "SELECT specialty FROM clinicians"
    # The text behind the editor is drawn highlighted: keywords apart from names.
    page.wait_for_function("() => document.querySelector('#sql_lab-highlight .tok-kw') !== null")
    assert page.inner_text("#sql_lab-highlight .tok-kw >> nth=0") == "SELECT"


def test_sql007_save_and_open_by_link(page, app_server):
    _open(page, app_server)
    _write(page, "SELECT count(*) AS notes FROM clinical_notes")
    page.click("#sql_lab-save-open")
    page.fill("#sql_lab-save-name", "Notes count sql007")
    page.fill("#sql_lab-save-tags", "notes, sql007")
    page.click("#sql_lab-save-confirm")
    page.wait_for_selector(".sql-saved")
    link = page.get_attribute(".sql-saved a", "href")
    assert re.fullmatch(r"/sql\?saved=\d+", link)
    page.goto(app_server.url + link)
    page.wait_for_selector("#sql_lab-editor")
    assert page.input_value("#sql_lab-editor") == "SELECT count(*) AS notes FROM clinical_notes"
    # The owner's next save is a new version of the same query, its name and tags kept.
    _write(page, "SELECT count(*) AS notes FROM clinical_notes WHERE accepted")
    page.click("#sql_lab-save-open")
    assert page.input_value("#sql_lab-save-name") == "Notes count sql007"
    assert page.input_value("#sql_lab-save-tags") == "notes, sql007"
    page.click("#sql_lab-save-confirm")
    page.wait_for_selector(".sql-saved")
    assert "(version 2)" in page.inner_text(".sql-saved") and page.get_attribute(".sql-saved a", "href") == link
    # An unknown id reads the same as one the user may not see: no hint that it exists.
    page.goto(app_server.url + "/sql?saved=999999")
    page.wait_for_selector("#sql_lab-notice .alert")
    assert "No saved query '999999' is available to you." in page.inner_text("#sql_lab-notice")


def test_sql008_viewer_gets_403(app_server):
    session = requests.Session()
    login(session, "viewer", app_server.url)
    assert session.get(app_server.url + "/sql", timeout=10).status_code == 403
    anonymous = requests.get(app_server.url + "/sql", allow_redirects=False, timeout=10)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]


def test_sql009_history_lists_the_run_and_runs_it_again(page, app_server):
    marker = f"sql009_{time.time_ns()}"
    sql = f"SELECT count(*) AS {marker}\nFROM clinicians"
    _open(page, app_server)
    _write(page, sql)
    _run(page)
    page.wait_for_function("() => document.querySelector('#sql_lab-summary').textContent.includes('1 row')")
    page.goto(app_server.url + "/history")
    page.fill("#history-text", marker)
    page.press("#history-text", "Enter")
    row = page.locator("#history-grid .ag-center-cols-container .ag-row").first
    row.wait_for()
    page.wait_for_function("(m) => document.querySelectorAll('#history-grid .ag-center-cols-container .ag-row')"
                           ".length === 1 && document.querySelector('#history-grid').textContent.includes(m)",
                           arg=marker)
    assert "analyst" in row.inner_text() and "sql" in row.inner_text()
    page.click("#history-grid a:has-text('Run again')")
    page.wait_for_url("**/sql?history=*")
    page.wait_for_selector("#sql_lab-notice .alert")
    assert page.input_value("#sql_lab-editor") == sql


def test_sql010_another_users_history_row_is_not_loaded(page, app_server):
    history = QueryHistory(Database(app_server.log.parent / "app.db"))
    secret = f"SELECT 'admin only {time.time_ns()}' AS s"
    history.record(QueryRecord(at=dt.datetime.now(dt.UTC), user_id="admin", role="admin", tenants="*", source="sql",
                               name="sql", sql_hash="x", sql="x", duration_ms=1, rows=1, cache_hit=False,
                               status="ok", engine="duckdb", sql_text=secret))
    row_id = history.search(HistoryFilter(user_id="admin", text=secret, limit=1))[0]["id"]
    _open(page, app_server, f"/sql?history={row_id}")
    page.wait_for_selector("#sql_lab-notice .alert")
    assert f"No query history entry '{row_id}' is available to you." in page.inner_text("#sql_lab-notice")
    assert "admin only" not in page.input_value("#sql_lab-editor")
    page.goto(app_server.url + "/sql?history=999999999")
    page.wait_for_selector("#sql_lab-notice .alert")
    assert "No query history entry '999999999' is available to you." in page.inner_text("#sql_lab-notice")


def test_sql011_export_the_result_as_csv_and_excel(page, app_server):
    _open(page, app_server)
    _write(page, "SELECT tenant_id, name FROM tenants ORDER BY tenant_id")
    _run(page)
    _wait_first_cell(page, "t01")
    with page.expect_download() as download:
        page.click("#sql_lab-export-csv")
    assert download.value.suggested_filename.startswith("sql-lab-query-")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "tenant_id,name" and [line.split(",")[0] for line in lines[1:]] == ["t01", "t02"]
    with page.expect_download() as download:
        page.click("#sql_lab-export-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as file:
        assert file.read(2) == b"PK"  # a zip container, as every .xlsx is
    exports = AuditLog(Database(app_server.log.parent / "app.db")).search(events=("export",), users=("analyst",))
    mine = [e for e in exports if e.detail.get("surface") == "sql_lab"]
    assert {e.detail["format"] for e in mine[:2]} == {"csv", "xlsx"} and all(e.detail["rows"] == 2 for e in mine[:2])
