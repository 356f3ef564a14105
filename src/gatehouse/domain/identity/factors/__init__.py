"""Second factors: one small module each, behind the contract in ``base``."""
