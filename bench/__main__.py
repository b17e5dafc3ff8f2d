"""python -m bench [--scale 1] [--only generator,queries,http]: print the performance figures."""

from __future__ import annotations

import argparse

from bench import athena, exports, generator, pages, queries
from bench.common import bench_data, table

SECTIONS = ("generator", "queries", "pages", "exports", "athena")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="dataset scale (1 = ~2M interactions)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"# Benchmarks at scale {args.scale:g}")
    if "generator" in only:
        result = generator.bench_generator(args.scale)
        print("\n## Demo generator\n")
        print(table([result], ["rows", "seconds", "rows_per_s"]))
    data_dir = bench_data(args.scale)
    if "queries" in only:
        queries.main(data_dir)
    if "pages" in only:
        pages.main(data_dir)
    if "exports" in only:
        exports.main(data_dir)
    if "athena" in only:
        athena.main(data_dir=None)  # its own small dataset, through the local Athena-compatible service


if __name__ == "__main__":
    main()
