"""Real-time sync: the per-node hub that streams each user's account events to their sockets."""
