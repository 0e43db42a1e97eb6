"""Writes of the exam engine (services): each is atomic, keyword-only, typed."""
