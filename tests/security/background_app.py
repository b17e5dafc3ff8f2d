"""A one-page Dash app with one background callback, for the identity test (run as a script).

The callback sleeps for the requested seconds, then asks who it runs for: the identity comes from
the request that started it and is re-checked against the users file inside the job. The answer
is also written to `$VAR_DIR/who.txt`, so a test can read it when the user can no longer poll.
"""

from __future__ import annotations

import time

import diskcache
from dash import Dash, DiskcacheManager, Input, Output, State, callback, dcc, html

import auth
from settings import get_settings


@callback(Output("who", "children"), Input("go", "n_clicks"), State("delay", "value"), background=True,
          prevent_initial_call=True)
def who(_clicks, delay):
    time.sleep(min(float(delay or 0), 10))
    try:
        principal = auth.callback_principal(auth.roles.DASHBOARDS)
        answer = f"{principal.user_id}|{','.join(sorted(principal.tenants or ['*']))}"
    except auth.PermissionDenied as err:
        answer = f"refused: {err}"
    (get_settings().var_dir / "who.txt").write_text(answer)
    return answer


def create() -> Dash:
    settings = get_settings()
    app = Dash(__name__, background_callback_manager=DiskcacheManager(diskcache.Cache(str(settings.var_dir / "bg"))))
    app.layout = html.Div([html.Button(id="go"), dcc.Input(id="delay", value=0), html.Div(id="who")])
    app.server.secret_key = settings.secret_key
    app.server.add_url_rule("/health", "health", lambda: "ok")
    auth.init_app(app, settings)
    return app


if __name__ == "__main__":
    create().run(host="127.0.0.1", port=get_settings().port)
