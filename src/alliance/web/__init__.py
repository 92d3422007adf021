"""The clinic web app (Django): a thin layer over the alliance core."""
