import argparse
import importlib
import sys

BENCHES = {
    "orgtree": "Org tree and scoping at province scale: subtree queries, scoped lists, keyset vs OFFSET, moves",
}


def main():
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=sorted(BENCHES), help="; ".join(f"{k}: {v}" for k, v in BENCHES.items()))
    parser.add_argument("--quick", action="store_true", help="smaller data and fewer repetitions")
    args = parser.parse_args()
    module = importlib.import_module(f"bench.{args.name}")
    return module.run(quick=args.quick)


if __name__ == "__main__":
    sys.exit(main())
