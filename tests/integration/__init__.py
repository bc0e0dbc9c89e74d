"""Real PostgreSQL and Redis, driven through the Flask test client."""
