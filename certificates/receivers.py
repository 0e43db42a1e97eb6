"""Receivers: a final passing result enqueues certificate issuing (filled in by the certificates work)."""
