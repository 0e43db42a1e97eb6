"""Signals the exam engine sends; other apps (certificates) connect to them.

``result_final`` is sent once, after the commit, when an attempt's result becomes final
(every item scored). Keyword arguments: ``attempt_id`` (int), ``passed`` (bool).
``exams`` never imports ``certificates``: issuing a certificate is the receiver's job.
"""

from django.dispatch import Signal

result_final = Signal()
