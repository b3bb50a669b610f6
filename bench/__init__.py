"""The benchmark: `python bench/run.py --help`."""
