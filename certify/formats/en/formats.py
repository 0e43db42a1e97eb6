"""English: ``5 March 2025`` and the 24-hour clock, as on the certificates and in Uzbekistan
(Django's default is the American ``March 5, 2025, 7:30 p.m.``)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
