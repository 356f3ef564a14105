"""Identity: users, passwords, sign-in, sessions, throttling, second factors, Key, recovery."""
