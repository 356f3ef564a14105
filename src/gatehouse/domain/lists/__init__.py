"""The user's lists: watchlists, price alerts, workspace layouts."""
