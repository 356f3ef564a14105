"""The user's lists: watchlists, price alerts, layouts."""
