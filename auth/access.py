"""Which permission a page, a callback or a Flask route needs.

- A page declares it: `dash.register_page(__name__, permission="audit_log")`. Pages written before
  that key existed are listed in PAGE_PERMISSIONS. A page that declares nothing is admin-only
  (deny by default; start-up logs a warning naming it).
- A callback needs the permission of the page it belongs to: the page module that defines it, or
  the page whose id prefix (`id_prefix=` in register_page, default "<module name>-") its outputs
  carry. `@auth.requires(...)` on the callback adds its own. A callback of no page (the shell)
  needs only DASHBOARDS, which every signed-in role has.
- Dash's page router callback renders whichever page its `pathname` input names: it needs that
  page's permission, so a hand-made request cannot render a page the user may not open.
- Any other Flask route is admin-only unless its view carries `@auth.requires(...)`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import dash
from dash import _pages

from auth import roles

log = logging.getLogger(__name__)

PAGE_PERMISSIONS = {
    "pages.tenants": roles.DASHBOARDS,
}
UNDECLARED = roles.ADMIN
SHELL = roles.DASHBOARDS
# Dash's page router (dash.dash._ID_CONTENT / _ID_LOCATION).
ROUTER_OUTPUT = "_pages_content"
ROUTER_LOCATION = "_pages_location"


@dataclass(frozen=True)
class Need:
    """What a request needs: permissions, plus the page path when it renders a page."""

    permissions: frozenset[str]
    page_path: str | None = None


class BadRequest(ValueError):
    """The request is malformed (a 400, not a 403)."""


def page_permission(page: dict) -> str:
    return page.get("permission") or PAGE_PERMISSIONS.get(page["module"]) or UNDECLARED


def check_registry() -> None:
    """Fail start-up on a misspelt permission; warn about pages that declare none."""
    for page in dash.page_registry.values():
        permission = page.get("permission") or PAGE_PERMISSIONS.get(page["module"])
        if permission is None:
            log.warning("page %s declares no permission=; only admins may open it", page["module"])
        elif permission not in roles.ALL_PERMISSIONS:
            raise ValueError(f"page {page['module']} declares unknown permission {permission!r}; "
                             f"one of {sorted(roles.ALL_PERMISSIONS)}")


class Access:
    """Resolves what a request to one Dash app needs. Callback answers are memoised per output."""

    def __init__(self, app: dash.Dash) -> None:
        self.app = app
        self._callbacks: dict[str, frozenset[str]] = {}

    def page(self, path: str) -> Need:
        """A page URL: its page's permission (Dash's own 404 page needs only DASHBOARDS)."""
        page, _ = _pages._path_to_page(self.app.strip_relative_path(path) or "")
        return Need(frozenset({page_permission(page) if page else SHELL}), path)

    def callback(self, body: object) -> Need:
        """A POST to /_dash-update-component, from its JSON body."""
        if not isinstance(body, dict) or not isinstance(body.get("output"), str):
            raise BadRequest("a callback request needs a JSON object with an 'output'")
        output = body["output"]
        spec = self.app.callback_map.get(output)
        if spec is None:
            raise BadRequest("no such callback")
        for part in ("inputs", "state"):
            given = body.get(part) or []
            if not isinstance(given, list) or len(given) != len(spec.get(part) or []):
                raise BadRequest(f"the callback takes {len(spec.get(part) or [])} {part}, not what was sent")
        if ROUTER_OUTPUT in _output_ids(output):
            path = _router_path(body)
            return self.page(path)
        if output not in self._callbacks:
            self._callbacks[output] = self._callback_permissions(output, spec)
        return Need(self._callbacks[output])

    def route(self, endpoint: str) -> Need:
        """Any other Flask route: what its view declares with @auth.requires, else admin-only."""
        view = self.app.server.view_functions.get(endpoint)
        declared = getattr(view, "required_permission", None)
        return Need(frozenset({declared or UNDECLARED}))

    def _callback_permissions(self, output: str, spec: dict) -> frozenset[str]:
        found = set()
        declared = getattr(spec.get("callback"), "required_permission", None)
        if declared:
            found.add(declared)
        pages = list(dash.page_registry.values())
        module = getattr(spec.get("callback"), "__module__", None)
        found.update(page_permission(p) for p in pages if p["module"] == module)
        for component in _output_ids(output):
            found.update(page_permission(p) for p in pages if component.startswith(_id_prefix(p)))
        return frozenset(found or {SHELL})


def _id_prefix(page: dict) -> str:
    return page.get("id_prefix") or page["module"].rsplit(".", 1)[-1] + "-"


def _output_ids(output: str) -> list[str]:
    """Component ids in a callback's output key ("id.prop" or "..a.p...b.q.."), dict ids by `type`."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    ids = []
    for part in parts:
        if part.startswith("{"):
            try:
                component = json.loads(part[: part.rindex("}") + 1])
            except ValueError:
                continue
            kind = component.get("type") if isinstance(component, dict) else None
            ids.append(kind if isinstance(kind, str) else "")
        else:
            ids.append(part.rsplit(".", 1)[0])
    return ids


def _router_path(body: dict) -> str:
    for item in _flatten(body.get("inputs")):
        if isinstance(item, dict) and item.get("id") == ROUTER_LOCATION and item.get("property") == "pathname":
            value = item.get("value")
            if value is None:
                return "/"
            if not isinstance(value, str) or len(value) > 2000:
                raise BadRequest("the page path must be a string")
            return value
    raise BadRequest("the page router request has no pathname")


def _flatten(items: object) -> list:
    if isinstance(items, list):
        return [leaf for item in items for leaf in _flatten(item)]
    if isinstance(items, dict) and "id" not in items:
        return [leaf for item in items.values() for leaf in _flatten(item)]
    return [items]
