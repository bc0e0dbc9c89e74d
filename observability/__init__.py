"""What the server tells its operators: Prometheus metrics and log lines (the bottom layer: imports nothing of ours)."""
