"""Support: the secure message center's rules."""
