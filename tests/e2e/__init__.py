"""End to end: the app served over real HTTP, driven by a real browser or a real OAuth client library."""
