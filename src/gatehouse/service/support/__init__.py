"""Support: the support console and the secure message center."""
