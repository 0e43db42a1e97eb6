"""Signals of the verification app.

``result_verified`` is sent after the commit when a final result becomes verified, and again
when a verified result changes from fail to pass (a regrade or an appeal decision).
Keyword arguments: ``attempt_id`` (int), ``passed`` (bool). The certificates app issues on it;
``verification`` never imports ``certificates``.
"""

from django.dispatch import Signal

result_verified = Signal()
