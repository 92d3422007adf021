"""Research export."""
