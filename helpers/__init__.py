"""Customer Value Lab helpers."""
