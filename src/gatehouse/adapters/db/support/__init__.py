"""Storage of the secure message center."""
