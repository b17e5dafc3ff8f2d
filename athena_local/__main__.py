"""`python -m athena_local --data var/data`: serve the local Athena and its S3 store until Ctrl-C."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
from pathlib import Path

from athena_local.stack import LocalAthena, ensure_dataset


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m athena_local", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path("var/data"), help="dataset folder (generated if missing)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8642, help="Athena API port")
    parser.add_argument("--s3-port", type=int, default=8643, help="S3 (moto) port")
    parser.add_argument("--workers", type=int, default=2, help="queries that run at once; others wait QUEUED")
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale when the dataset is generated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--end-date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD, default today"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Generate the dataset if missing, start the stack, print how to point the app at it, serve."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    manifest = ensure_dataset(
        args.data, scale=args.scale, seed=args.seed, days=args.days, end_date=args.end_date
    )
    stack = LocalAthena(args.data, host=args.host, port=args.port, s3_port=args.s3_port, workers=args.workers)
    stack.start()
    print(f"athena-local: dataset {manifest['start_date']}..{manifest['end_date']} from {args.data}")
    print(f"athena-local: Athena API {stack.endpoint_url}, S3 {stack.s3_endpoint_url}")
    print("Run the app against it with:")
    for key, value in stack.client_env().items():
        print(f"  export {key}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("athena-local: stopping")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
