"""Writes of the verification app (services): each is atomic, keyword-only, typed."""
