"""Benchmarks that print figures (never timed assertions). Run `python -m bench --help`."""
