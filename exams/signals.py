"""Signals the exam engine sends; other apps (certificates) connect to them.

``result_final`` is sent once, after the commit, when an attempt's result becomes final
(every item scored). Keyword arguments: ``attempt_id`` (int), ``passed`` (bool).

``result_changed`` is sent after the commit when a regrade turns a pass into a fail or the
reverse. Keyword arguments: ``attempt_id`` (int), ``passed`` (bool, the new result),
``reason`` (str, the examiner's reason) and ``by_id`` (int, the examiner's user id).

``exams`` never imports ``certificates``: issuing or revoking a certificate is the receiver's job.
"""

from django.dispatch import Signal

result_final = Signal()
result_changed = Signal()
