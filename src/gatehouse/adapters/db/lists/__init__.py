"""Storage of watchlists, price alerts and layouts."""
