"""Demo dataset: a deterministic, realistic year of product usage written as Hive-style Parquet.

`demo.generate` writes the four tables (plus a manifest of the injected truths and the Athena DDL);
`demo.ddl` renders the CREATE EXTERNAL TABLE statements for the same layout on S3.
"""
