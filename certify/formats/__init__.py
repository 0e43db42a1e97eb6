"""Date formats of the site's languages where Django's differ from the project's convention
(``certificates/rendering/dates.py``: the form printed on certificates). Named in
``settings.FORMAT_MODULE_PATH``; every other format falls back to Django's locale formats."""
