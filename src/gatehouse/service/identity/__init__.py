"""Identity use cases: sign-in, sessions, factors, passkeys, Key, push approval, recovery."""
