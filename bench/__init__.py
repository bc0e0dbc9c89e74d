"""`make bench`: load tests of the API hot path (see bench/run.py)."""
