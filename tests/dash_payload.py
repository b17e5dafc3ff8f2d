"""Build the JSON body Dash's renderer posts to /_dash-update-component, for HTTP-level tests."""

from __future__ import annotations

FILTER_CONTROLS = (
    ("range", "value", "30d"),
    ("dates", "start_date", None),
    ("dates", "end_date", None),
    ("channel", "value", []),
    ("tenant", "value", []),
)


def callback_payload(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]]) -> dict:
    """A callback request: `outputs` as (id, property), `inputs` as (id, property, value)."""
    if len(outputs) == 1:
        output = f"{outputs[0][0]}.{outputs[0][1]}"
        outputs_json = {"id": outputs[0][0], "property": outputs[0][1]}
    else:
        output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        outputs_json = [{"id": i, "property": p} for i, p in outputs]
    return {
        "output": output,
        "outputs": outputs_json,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [],
        "state": [],
    }


def overview_payload(graph_id: str, graph_props: list[str], message_id: str, *, values: dict | None = None,
                     page: str = "overview") -> dict:
    """The request for one of a dashboard page's chart callbacks, with filter values by name."""
    values = values or {}
    names = {"range": "range", "start_date": "start", "end_date": "end", "channel": "channel", "tenant": "tenant"}
    inputs = []
    for control, prop, default in FILTER_CONTROLS:
        key = names.get(prop) if control == "dates" else names[control]
        inputs.append((f"{page}-{control}", prop, values.get(key, default)))
    outputs = [(graph_id, p) for p in graph_props] + [(message_id, "children")]
    return callback_payload(outputs, inputs)


def initial_callbacks(dependencies: list[dict], prefix: str) -> list[dict]:
    """The server-side callbacks a page fires on load, as payloads with empty (None) inputs.

    `dependencies` is the JSON of /_dash-dependencies. A callback belongs to the page when all its
    outputs' ids start with `prefix`; clientside and prevent_initial_call callbacks are skipped.
    """
    payloads = []
    for dep in dependencies:
        if dep.get("clientside_function") or dep.get("prevent_initial_call"):
            continue
        outputs = _parse_outputs(dep["output"])
        if not outputs or not all(i.startswith(prefix) for i, _ in outputs):
            continue
        payload = callback_payload(outputs, [(d["id"], d["property"], None) for d in dep["inputs"]])
        payload["output"] = dep["output"]
        payload["state"] = [{"id": d["id"], "property": d["property"], "value": None} for d in dep["state"]]
        payloads.append(payload)
    return payloads


def _parse_outputs(output: str) -> list[tuple[str, str]]:
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    pairs = []
    for part in parts:
        if part.startswith("{"):  # pattern-matching ids are not page-load callbacks here
            return []
        component, _, prop = part.rpartition(".")
        pairs.append((component.split("@")[0], prop))
    return pairs
