import argparse
import importlib
import inspect
import sys

BENCHES = {
    "orgtree": "Org tree and scoping at province scale: subtree queries, scoped lists, keyset vs OFFSET, moves",
    "ingest": "Location ingest: batches of 1,000 fixes from 10,000 devices vs COPY and the ORM; sustained rate",
    "mediation": "Case list, list API and city dashboard at 50k and 5M disputes; django-helpdesk side by side at 1M",
    "scorecards": "Live scorecards of every office: city vs province and vs ten years of history",
}


def main():
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=sorted(BENCHES), help="; ".join(f"{k}: {v}" for k, v in BENCHES.items()))
    parser.add_argument("--quick", action="store_true", help="smaller data and fewer repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the databases (benches that support it)")
    known, _rest = parser.parse_known_args()
    module = importlib.import_module(f"bench.{known.name}")
    if hasattr(module, "add_arguments"):  # options of one bench
        module.add_arguments(parser)
    args = vars(parser.parse_args())
    accepted = inspect.signature(module.run).parameters
    return module.run(**{k: v for k, v in args.items() if k in accepted})


if __name__ == "__main__":
    sys.exit(main())
