"""Benchmarks: `python -m bench NAME [--quick]`. Each prints progress, then a JSON line of figures."""
