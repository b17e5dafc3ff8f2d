"""Saved queries: an Explore state or SQL, shared by visibility, with every save kept as a version.

Visibility:
- private: the owner only;
- tenant: users who share a tenant with the owner (as the owner's tenants were when saved);
- everyone: every user who may open saved queries.
Whoever opens a saved query runs it under their own tenant scope, never the author's: the body is
SQL or an Explore state, and the query layer scopes it to the viewer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
from dataclasses import dataclass
from typing import Any

from queries import Principal
from store.db import Database

KINDS = ("explore", "sql")
VISIBILITIES = ("private", "tenant", "everyone")
EXPORT_FORMAT = "ai-analytics/saved-queries"
MAX_BODY = 100_000
MAX_NAME = 200
MAX_TAGS = 20


class SavedQueryError(ValueError):
    """Bad input for a saved query (a 400); the message says what to fix."""


class NotFound(LookupError):
    """No saved query with that id is visible to this user (a 404: existence is not revealed)."""


class NotAllowed(PermissionError):
    """The user may see the saved query but not change it (a 403)."""


@dataclass(frozen=True)
class SavedQuery:
    id: int
    owner: str
    owner_tenants: str
    kind: str
    name: str
    description: str
    tags: tuple[str, ...]
    visibility: str
    body: str
    version: int
    created_at: str
    updated_at: str
    favourite: bool = False


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _tenants(principal: Principal) -> str:
    return "*" if principal.all_tenants else ",".join(sorted(principal.tenants or ()))


def visible_to(principal: Principal, query: SavedQuery) -> bool:
    if query.owner == principal.user_id or query.visibility == "everyone":
        return True
    if query.visibility != "tenant":
        return False
    if principal.all_tenants or query.owner_tenants == "*":
        return True
    return bool(set(query.owner_tenants.split(",")) & set(principal.tenants or ()))


def may_edit(principal: Principal, query: SavedQuery) -> bool:
    return query.owner == principal.user_id or principal.role == "admin"


class SavedQueries:
    """Saved queries in the app database.

    >>> import tempfile, pathlib
    >>> store = SavedQueries(Database(pathlib.Path(tempfile.mkdtemp()) / "app.db"))
    >>> ada = Principal("ada", "analyst", frozenset({"t01"}))
    >>> q = store.save(ada, kind="sql", name="Failures", body="SELECT 1")
    >>> store.save(ada, kind="sql", name="Failures", body="SELECT 2", query_id=q.id).version
    2
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- writing --------------------------------------------------------------------------

    def save(
        self,
        principal: Principal,
        *,
        kind: str,
        name: str,
        body: str,
        description: str = "",
        tags: tuple[str, ...] | list[str] = (),
        visibility: str = "private",
        query_id: int | None = None,
    ) -> SavedQuery:
        """Create a saved query, or save a new version of `query_id`."""
        name, description, tags = _validate(kind, name, body, description, tags, visibility)
        now, tags_json = _now(), json.dumps(list(tags))
        with self.db.transaction() as conn:
            if query_id is None:
                query_id = conn.execute(
                    "INSERT INTO saved_queries (owner, owner_tenants, kind, name, description, tags, "
                    "visibility, body, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (principal.user_id, _tenants(principal), kind, name, description, tags_json, visibility,
                     body, now, now),
                ).lastrowid
                version = 1
            else:
                current = self._editable(principal, query_id, conn)
                if current.kind != kind:
                    raise SavedQueryError(f"this saved query holds {current.kind}, not {kind}")
                version = current.version + 1
                owner_tenants = _tenants(principal) if current.owner == principal.user_id else current.owner_tenants
                conn.execute(
                    "UPDATE saved_queries SET name = ?, description = ?, tags = ?, visibility = ?, body = ?, "
                    "version = ?, updated_at = ?, owner_tenants = ? WHERE id = ?",
                    (name, description, tags_json, visibility, body, version, now, owner_tenants, query_id),
                )
            conn.execute(
                "INSERT INTO saved_query_versions (query_id, version, name, description, tags, visibility, body, "
                "saved_by, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (query_id, version, name, description, tags_json, visibility, body, principal.user_id, now),
            )
        return self.get(principal, query_id)

    def restore(self, principal: Principal, query_id: int, version: int) -> SavedQuery:
        """Save version `version`'s content again, as the newest version."""
        old = self._version(principal, query_id, version)
        current = self.get(principal, query_id)
        return self.save(principal, kind=current.kind, name=old["name"], body=old["body"],
                         description=old["description"], tags=json.loads(old["tags"]),
                         visibility=old["visibility"], query_id=query_id)

    def delete(self, principal: Principal, query_id: int) -> None:
        with self.db.transaction() as conn:
            self._editable(principal, query_id, conn)
            conn.execute("UPDATE saved_queries SET deleted = 1, updated_at = ? WHERE id = ?", (_now(), query_id))

    def set_favourite(self, principal: Principal, query_id: int, favourite: bool) -> None:
        self.get(principal, query_id)  # only what one may see
        if favourite:
            self.db.execute("INSERT OR IGNORE INTO favourites (user_id, query_id) VALUES (?, ?)",
                            (principal.user_id, query_id))
        else:
            self.db.execute("DELETE FROM favourites WHERE user_id = ? AND query_id = ?",
                            (principal.user_id, query_id))

    # --- reading --------------------------------------------------------------------------

    def get(self, principal: Principal, query_id: int) -> SavedQuery:
        query = self._load(principal, query_id)
        if query is None or not visible_to(principal, query):
            raise NotFound(f"no saved query {query_id}")
        return query

    def list(self, principal: Principal, *, search: str = "", favourites_only: bool = False) -> list[SavedQuery]:
        """Visible saved queries, favourites first, then the most recently updated.

        `search` matches the name or a tag, case-insensitively.
        """
        rows = self.db.execute(
            "SELECT q.*, f.user_id IS NOT NULL AS favourite FROM saved_queries q "
            "LEFT JOIN favourites f ON f.query_id = q.id AND f.user_id = ? WHERE q.deleted = 0 "
            "ORDER BY favourite DESC, q.updated_at DESC, q.id DESC",
            (principal.user_id,),
        ).fetchall()
        needle = search.strip().lower()
        out = []
        for row in rows:
            query = _from_row(row)
            if not visible_to(principal, query) or (favourites_only and not query.favourite):
                continue
            if needle and needle not in query.name.lower() and not any(needle in t.lower() for t in query.tags):
                continue
            out.append(query)
        return out

    def versions(self, principal: Principal, query_id: int) -> list[dict[str, Any]]:
        self.get(principal, query_id)
        rows = self.db.execute(
            "SELECT version, name, description, tags, visibility, body, saved_by, saved_at "
            "FROM saved_query_versions WHERE query_id = ? ORDER BY version DESC",
            (query_id,),
        ).fetchall()
        return [{**dict(row), "tags": json.loads(row["tags"])} for row in rows]

    def diff(self, principal: Principal, query_id: int, older: int, newer: int) -> str:
        """A unified diff of two versions (name, description, tags, visibility and body)."""
        a, b = self._version(principal, query_id, older), self._version(principal, query_id, newer)
        return "".join(difflib.unified_diff(
            _diffable(a).splitlines(keepends=True), _diffable(b).splitlines(keepends=True),
            fromfile=f"version {older}", tofile=f"version {newer}",
        ))

    # --- JSON export and import ---------------------------------------------------------------

    def export_json(self, principal: Principal, ids: list[int] | None = None) -> str:
        """The visible saved queries (or `ids`) as JSON, current versions, stable for git diffs."""
        chosen = [self.get(principal, i) for i in ids] if ids else self.list(principal)
        entries = [
            {"name": q.name, "kind": q.kind, "description": q.description, "tags": list(q.tags),
             "visibility": q.visibility, "body": q.body}
            for q in sorted(chosen, key=lambda q: (q.name, q.kind))
        ]
        return json.dumps({"format": EXPORT_FORMAT, "version": 1, "queries": entries}, indent=2, sort_keys=True) + "\n"

    def import_json(self, principal: Principal, text: str) -> list[SavedQuery]:
        """Create the queries, or add a version to the user's own query of the same name and kind.

        All entries are validated before anything is written, so a bad file changes nothing.
        """
        entries = _parse_export(text)
        for entry in entries:
            _validate(entry["kind"], entry["name"], entry["body"], entry["description"], entry["tags"],
                      entry["visibility"])
        mine = {(q.name, q.kind): q for q in self.list(principal) if q.owner == principal.user_id}
        saved = []
        for entry in entries:
            existing = mine.get((entry["name"], entry["kind"]))
            if existing and (existing.body, existing.description, list(existing.tags), existing.visibility) == (
                    entry["body"], entry["description"], entry["tags"], entry["visibility"]):
                saved.append(existing)  # unchanged: importing twice adds no version
                continue
            saved.append(self.save(principal, query_id=existing.id if existing else None, **entry))
        return saved

    # --- helpers ------------------------------------------------------------------------------

    def _load(self, principal: Principal, query_id: int, conn=None) -> SavedQuery | None:
        row = (conn or self.db.connection()).execute(
            "SELECT q.*, EXISTS (SELECT 1 FROM favourites f WHERE f.query_id = q.id AND f.user_id = ?) "
            "AS favourite FROM saved_queries q WHERE q.id = ? AND q.deleted = 0",
            (principal.user_id, query_id),
        ).fetchone()
        return _from_row(row) if row else None

    def _editable(self, principal: Principal, query_id: int, conn) -> SavedQuery:
        query = self._load(principal, query_id, conn)
        if query is None or not visible_to(principal, query):
            raise NotFound(f"no saved query {query_id}")
        if not may_edit(principal, query):
            raise NotAllowed("only the owner (or an admin) may change this saved query")
        return query

    def _version(self, principal: Principal, query_id: int, version: int) -> dict[str, Any]:
        self.get(principal, query_id)
        row = self.db.execute(
            "SELECT * FROM saved_query_versions WHERE query_id = ? AND version = ?", (query_id, version)
        ).fetchone()
        if row is None:
            raise NotFound(f"saved query {query_id} has no version {version}")
        return dict(row)


def _from_row(row) -> SavedQuery:
    data = {k: row[k] for k in row.keys() if k in SavedQuery.__dataclass_fields__}  # noqa: SIM118 - a Row
    data["tags"] = tuple(json.loads(data["tags"]))
    data["favourite"] = bool(data.get("favourite", False))
    return SavedQuery(**data)


def _validate(kind, name, body, description, tags, visibility) -> tuple[str, str, tuple[str, ...]]:
    if kind not in KINDS:
        raise SavedQueryError(f"kind must be one of {', '.join(KINDS)}")
    if visibility not in VISIBILITIES:
        raise SavedQueryError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    if not isinstance(name, str) or not name.strip():
        raise SavedQueryError("a saved query needs a name")
    if len(name) > MAX_NAME:
        raise SavedQueryError(f"the name is longer than {MAX_NAME} characters")
    if not isinstance(body, str) or not body.strip():
        raise SavedQueryError("there is nothing to save")
    if len(body) > MAX_BODY:
        raise SavedQueryError(f"the query is longer than {MAX_BODY:,} characters")
    if not isinstance(description, str) or len(description) > 2000:
        raise SavedQueryError("the description must be text of at most 2,000 characters")
    if isinstance(tags, str) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 40 for t in tags):
        raise SavedQueryError("tags must be a list of short words")
    if len(tags) > MAX_TAGS:
        raise SavedQueryError(f"at most {MAX_TAGS} tags")
    return name.strip(), description.strip(), tuple(dict.fromkeys(t.strip() for t in tags))


def _parse_export(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError) as err:
        raise SavedQueryError(f"not a JSON file: {err}") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or not isinstance(data.get("queries"), list):
        raise SavedQueryError(f"not a saved-queries export (expected format {EXPORT_FORMAT!r})")
    fields = ("name", "kind", "description", "tags", "visibility", "body")
    entries = []
    for i, entry in enumerate(data["queries"], start=1):
        if not isinstance(entry, dict) or not all(f in entry for f in fields):
            raise SavedQueryError(f"entry {i} needs the fields {', '.join(fields)}")
        entries.append({f: entry[f] for f in fields})
    return entries


def _diffable(version: dict[str, Any]) -> str:
    head = {k: version[k] for k in ("name", "description", "visibility")}
    head["tags"] = json.loads(version["tags"])
    body = version["body"]
    with contextlib.suppress(json.JSONDecodeError):  # an Explore state reads best as indented JSON
        body = json.dumps(json.loads(body), indent=2, sort_keys=True)
    return json.dumps(head, indent=2, sort_keys=True) + "\n---\n" + body.rstrip("\n") + "\n"

