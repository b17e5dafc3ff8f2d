"""Saved queries on a real SQLite file: versions, restore, diff, visibility, favourites, JSON, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from queries import Principal
from store.db import Database
from store.saved import NotAllowed, NotFound, SavedQueries, SavedQueryError

ADA = Principal("ada", "analyst", frozenset({"t01"}))
BEN = Principal("ben", "analyst", frozenset({"t01", "t02"}))
CAL = Principal("cal", "analyst", frozenset({"t03"}))
ROOT = Principal("root", "admin", None)


@pytest.fixture
def store(tmp_path):
    return SavedQueries(Database(tmp_path / "app.db"))


def test_sav001_every_save_is_a_version_and_restore_adds_one(store):
    q = store.save(ADA, kind="sql", name="Failures", body="SELECT 1", tags=["ops"])
    store.save(ADA, kind="sql", name="Failures by day", body="SELECT 2", tags=["ops", "daily"], query_id=q.id)
    assert [v["version"] for v in store.versions(ADA, q.id)] == [2, 1]
    restored = store.restore(ADA, q.id, 1)
    assert (restored.version, restored.body, restored.name, restored.tags) == (3, "SELECT 1", "Failures", ("ops",))
    assert [v["body"] for v in store.versions(ADA, q.id)] == ["SELECT 1", "SELECT 2", "SELECT 1"]


def test_sav002_diff_between_versions(store):
    body = json.dumps({"metrics": ["interactions"], "dimensions": ["channel"]})
    q = store.save(ADA, kind="explore", name="Mix", body=body)
    store.save(ADA, kind="explore", name="Mix", query_id=q.id,
               body=json.dumps({"metrics": ["interactions"], "dimensions": ["status"]}))
    diff = store.diff(ADA, q.id, 1, 2)
    assert '-    "channel"' in diff and '+    "status"' in diff
    assert diff.startswith("--- version 1\n+++ version 2")


@pytest.mark.parametrize(
    "visibility, ben, cal, root",
    [("private", False, False, False), ("tenant", True, False, True), ("everyone", True, True, True)],
)
def test_sav003_visibility_across_users_and_tenants(store, visibility, ben, cal, root):
    q = store.save(ADA, kind="sql", name="Mine", body="SELECT 1", visibility=visibility)
    for user, expected in ((BEN, ben), (CAL, cal), (ROOT, root)):
        assert (q.id in [x.id for x in store.list(user)]) is expected, user.user_id
        if not expected:
            with pytest.raises(NotFound):
                store.get(user, q.id)
            with pytest.raises(NotFound):
                store.versions(user, q.id)
    assert store.get(ADA, q.id).name == "Mine"


def test_sav004_only_owner_or_admin_changes_it(store):
    q = store.save(ADA, kind="sql", name="Shared", body="SELECT 1", visibility="everyone")
    with pytest.raises(NotAllowed):
        store.save(CAL, kind="sql", name="Hijack", body="SELECT 2", visibility="everyone", query_id=q.id)
    with pytest.raises(NotAllowed):
        store.delete(CAL, q.id)
    assert store.save(ROOT, kind="sql", name="Shared", body="SELECT 3", visibility="everyone",
                      query_id=q.id).version == 2
    store.delete(ADA, q.id)
    with pytest.raises(NotFound):
        store.get(ADA, q.id)


def test_sav005_favourites_and_search(store):
    a = store.save(ADA, kind="sql", name="Latency p95", body="SELECT 1", tags=["models"])
    b = store.save(ADA, kind="sql", name="Cost", body="SELECT 2", tags=["finance"])
    store.set_favourite(ADA, b.id, True)
    assert [q.name for q in store.list(ADA)] == ["Cost", "Latency p95"]
    assert [q.name for q in store.list(ADA, favourites_only=True)] == ["Cost"]
    assert [q.name for q in store.list(ADA, search="latency")] == ["Latency p95"]
    assert [q.name for q in store.list(ADA, search="FIN")] == ["Cost"]
    store.set_favourite(ADA, b.id, False)
    assert store.list(ADA, favourites_only=True) == []
    assert a.id != b.id


def test_sav006_json_round_trip(store, tmp_path):
    store.save(ADA, kind="sql", name="One", body="SELECT 1", tags=["a"], visibility="tenant")
    store.save(ADA, kind="explore", name="Two", body='{"metrics": ["interactions"]}', description="d")
    exported = store.export_json(ADA)
    other = SavedQueries(Database(tmp_path / "other.db"))
    imported = other.import_json(BEN, exported)
    assert {q.name for q in imported} == {"One", "Two"} and all(q.owner == "ben" for q in imported)
    assert other.export_json(BEN) == exported
    assert [q.version for q in other.import_json(BEN, exported)] == [1, 1]  # unchanged: no new version
    changed = exported.replace("SELECT 1", "SELECT 11")
    assert sorted(q.version for q in other.import_json(BEN, changed)) == [1, 2]


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "not a JSON file"),
        ('{"format": "something else", "queries": []}', "not a saved-queries export"),
        ('{"format": "ai-analytics/saved-queries", "queries": [{"name": "x"}]}', "needs the fields"),
        ('{"format": "ai-analytics/saved-queries", "queries": [{"name": "", "kind": "sql", "description": "",'
         ' "tags": [], "visibility": "private", "body": "SELECT 1"}]}', "needs a name"),
    ],
)
def test_sav007_bad_imports_change_nothing(store, text, message):
    with pytest.raises(SavedQueryError, match=message):
        store.import_json(ADA, text)
    assert store.list(ADA) == []


def test_sav008_bad_saves_are_refused(store):
    with pytest.raises(SavedQueryError, match="visibility"):
        store.save(ADA, kind="sql", name="x", body="SELECT 1", visibility="public")
    with pytest.raises(SavedQueryError, match="kind"):
        store.save(ADA, kind="python", name="x", body="print()")
    with pytest.raises(SavedQueryError, match="nothing to save"):
        store.save(ADA, kind="sql", name="x", body="  ")


SAVER = """
import sys
from queries import Principal
from store.db import Database
from store.saved import SavedQueries
store = SavedQueries(Database(sys.argv[1]))
who = Principal("ada", "analyst", frozenset({"t01"}))
q = store.save(who, kind="sql", name="churn", body="SELECT 0")
print(q.id, 1, flush=True)
n = 1
while True:
    n += 1
    saved = store.save(who, kind="sql", name="churn", body=f"SELECT {n}", query_id=q.id)
    print(q.id, saved.version, flush=True)
"""


def test_sav009_data_intact_after_sigkill_mid_save(tmp_path):
    db_path = tmp_path / "app.db"
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(db_path)], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    acknowledged = []
    deadline = time.time() + 30
    while len(acknowledged) < 150 and time.time() < deadline:
        acknowledged.append(proc.stdout.readline().split())
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of a save
    proc.wait()
    query_id, last_version = int(acknowledged[-1][0]), int(acknowledged[-1][1])
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    current = raw.execute("SELECT version, body FROM saved_queries WHERE id = ?", (query_id,)).fetchone()
    versions = [v for (v,) in raw.execute(
        "SELECT version FROM saved_query_versions WHERE query_id = ? ORDER BY version", (query_id,))]
    assert current[0] >= last_version  # every acknowledged save survived
    assert versions == list(range(1, current[0] + 1))  # no torn save: the row and its versions agree
    assert current[1] == f"SELECT {current[0]}"
