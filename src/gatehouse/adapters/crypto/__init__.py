"""Cryptography behind ports: Argon2id password hashing, server keys, AES-GCM sealing."""
