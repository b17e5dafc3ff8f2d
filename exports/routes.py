"""Download routes for exports too large for a callback: streamed CSV of Explore and SQL results.

    GET /export/explore.csv?<an Explore link's query string>
    GET /export/sql.csv?sql=<the statement>
    GET /export/report.pdf?page=<a dashboard's path>&<its query string>

Role-gated (`export`), audited, scoped to the signed-in user's tenants, limited by EXPORT_ROW_LIMIT.
"""

from __future__ import annotations

import flask
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

import auth
from components.explore_view import view_from_values
from components.view_state import from_query
from exports.access import audit_export
from exports.files import export_filename
from exports.stream import csv_chunks
from queries import QueryError, QueryRejected, get_service
from queries.explore import build
from reports.dashboard import NotADashboard, dashboard_for, page_report
from reports.pdf import build_pdf


def install(server: flask.Flask, export_row_limit: int) -> None:
    @server.route("/export/explore.csv")
    @auth.requires(auth.roles.EXPORT)
    def explore_csv():
        args = flask.request.args
        try:
            view = view_from_values(args.getlist("metric"), args.getlist("dim"), args.get("grain"),
                                    args.get("chart"))
        except QueryRejected as err:
            raise BadRequest(err.message) from None
        state, _ = from_query(args.to_dict(flat=False), get_service().engine.latest_day())
        return _stream("explore", build(view.spec).sql("athena"), state.filters(), export_row_limit)

    @server.route("/export/report.pdf")
    @auth.requires(auth.roles.EXPORT)
    def report_pdf():
        return _report(flask.request.args)

    @server.route("/export/sql.csv")
    @auth.requires(auth.roles.EXPORT)
    def sql_csv():
        sql = flask.request.args.get("sql", "")
        if not sql.strip():
            raise BadRequest("give the SQL to export as ?sql=")
        return _stream("sql", sql, None, export_row_limit)


def _report(args) -> flask.Response:
    principal = auth.callback_principal(auth.roles.EXPORT)
    try:
        page, spec = dashboard_for(args.get("page", "/"))
    except NotADashboard as err:
        raise NotFound(str(err)) from None
    if not auth.may_open(page):
        raise Forbidden("you may not open that page") from None
    try:
        report = page_report(spec, args.to_dict(flat=False), principal)
    except QueryError as err:
        return flask.Response(str(err), status=502, mimetype="text/plain")
    pdf = build_pdf(report)
    audit_export(principal, surface=spec.page, target="report", fmt="pdf", rows=len(report.charts), allowed=True)
    filename = export_filename(f"{spec.title} report", "pdf")
    return flask.Response(pdf, mimetype="application/pdf",
                          headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                   "X-Report-Charts": str(len(report.charts))})


def _stream(surface: str, sql: str, filters, limit: int) -> flask.Response:
    principal = auth.callback_principal(auth.roles.EXPORT)
    try:
        rows, reader = get_service().export_sql(sql, principal, filters=filters, limit=limit)
    except QueryRejected as err:
        audit_export(principal, surface=surface, target="csv-stream", fmt="csv", rows=0, allowed=False)
        return flask.Response(err.message, status=400, mimetype="text/plain")
    except QueryError as err:
        return flask.Response(str(err), status=502, mimetype="text/plain")
    audit_export(principal, surface=surface, target="csv-stream", fmt="csv", rows=rows, allowed=True)
    headers = {"Content-Disposition": f'attachment; filename="{export_filename(surface, "csv")}"',
               "X-Export-Rows": str(rows)}
    return flask.Response(flask.stream_with_context(csv_chunks(reader)), mimetype="text/csv", headers=headers)
