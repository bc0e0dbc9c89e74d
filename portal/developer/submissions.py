"""Each registration form may create one app, however often the browser re-sends it.

The page that shows a new app's secret answers the form's POST (so the
secret is never stored anywhere), which means a reload re-posts the form.
Every blank form carries a random submission id; the first POST claims it in
Redis, and a repeat finds it taken instead of registering a second app.
"""

import hashlib

import redis

CLAIM_SECONDS = 24 * 3600


def claim(r: redis.Redis, user_id: int, submission_id: str) -> bool:
    """True the first time this user submits this form; False for every repeat."""
    if not submission_id:
        return True  # a form from before submission ids existed
    digest = hashlib.sha256(f"{user_id}:{submission_id}".encode()).hexdigest()
    return bool(r.set(f"formsubmit:{digest}", "1", nx=True, ex=CLAIM_SECONDS))
