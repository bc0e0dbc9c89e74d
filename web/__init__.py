"""Cross-cutting HTTP concerns: error rendering, security headers, health."""
