"""Documents Gatehouse hands to users: printable security code cards (PDF and terminal text)."""
