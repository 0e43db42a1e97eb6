"""Uzbek (Latin): ``2025-yil 5-mart`` as on the certificates (Django's: ``5-Mart, 2025-yil``).

``E`` is the month name of the "alt. month" context, lower case in ``locale/uz``.
"""

DATE_FORMAT = r"Y-\y\i\l j-E"
DATETIME_FORMAT = r"Y-\y\i\l j-E, G:i"
YEAR_MONTH_FORMAT = r"Y-\y\i\l F"
