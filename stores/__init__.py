"""The two backing stores: PostgreSQL (durable) and Redis (hot, short-lived)."""


class StoreUnavailable(Exception):
    """A backing store could not be reached; the request must fail closed (503)."""

    def __init__(self, store: str):
        super().__init__(f"{store} is unavailable")
        self.store = store
