"""Reading what a Dash page shows: KPI values, and the data inside rendered Plotly charts."""

from __future__ import annotations

KPIS_READY = """() => {
    const values = [...document.querySelectorAll('.kpi-value')];
    return values.length > 0 && values.every(v => !v.textContent.includes('…'));
}"""


def wait_for_kpis(page) -> None:
    page.wait_for_function(KPIS_READY)


def kpi_values(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.kpi-card')].map(
        c => [c.querySelector('.kpi-label').textContent, c.querySelector('.kpi-value').textContent]))""")


def chart_data(page, graph_id: str) -> list[dict]:
    """The traces Plotly drew in the dcc.Graph with `graph_id` (name, x, y)."""
    return page.evaluate(
        """(id) => {
            const gd = document.querySelector(`#${id} .js-plotly-plot`) || document.getElementById(id);
            return (gd && gd.data ? gd.data : []).map(t => ({name: t.name, x: t.x, y: t.y}));
        }""",
        graph_id,
    )


def wait_for_chart(page, graph_id: str) -> None:
    page.wait_for_function(
        """(id) => {
            const gd = document.querySelector(`#${id} .js-plotly-plot`);
            return gd && gd.data && gd.data.length > 0 && gd.querySelector('.main-svg');
        }""",
        arg=graph_id,
    )
