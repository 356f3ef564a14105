"""Pure rules of Gatehouse: no I/O, no framework imports; time and randomness are injected."""
