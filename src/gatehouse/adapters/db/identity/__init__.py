"""Identity storage: users, sessions, sign-ins, throttles, audit, factors, passkeys, Key."""
