"""A loop of the product's run in a background thread for the length of a `with` block."""

import threading


class BackgroundLoop:
    """`target(*args, stop)` on a daemon thread; leaving the block sets `stop` and waits for the loop to end."""

    def __init__(self, target, *args, name: str):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=target, args=(*args, self.stop), name=name, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join(15)
        assert not self.thread.is_alive(), f"the {self.thread.name} loop did not stop"
