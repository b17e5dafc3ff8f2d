"""Printable reports of dashboard pages."""
