"""Exports: a frame to CSV or Excel bytes, who may export, and the audit line for each export.

Usable by any surface (dashboard pages, Explore, SQL Lab): the caller supplies the frame and the
context (filters, SQL, time of the run); nothing here knows Dash.
"""

from exports.access import audit_export, may_export
from exports.files import EXPORT_FORMATS, ExportContext, export_bytes, export_filename

__all__ = ["EXPORT_FORMATS", "ExportContext", "audit_export", "export_bytes", "export_filename", "may_export"]
