"""Dates written out the way each language writes them on official documents. Pure.

- uz (Latin): ``2025-yil 5-mart`` (year with "-yil", day with "-", month in lower case)
- ru: ``5 марта 2025 г.`` (month in the genitive)
- en: ``5 March 2025``

Written here rather than taken from the locale's date formats because Django's Uzbek
formats are Cyrillic/numeric and the wording must be exact on a printed certificate.
"""

import datetime

_MONTHS = {
    "uz": (
        "yanvar",
        "fevral",
        "mart",
        "aprel",
        "may",
        "iyun",
        "iyul",
        "avgust",
        "sentabr",
        "oktabr",
        "noyabr",
        "dekabr",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def date_long(day: datetime.date, language: str) -> str:
    """``day`` in words for ``language`` (uz, ru or en; anything else is written in English)."""
    language = language[:2]
    month = _MONTHS.get(language, _MONTHS["en"])[day.month - 1]
    if language == "uz":
        return f"{day.year}-yil {day.day}-{month}"
    if language == "ru":
        return f"{day.day} {month} {day.year} г."
    return f"{day.day} {month} {day.year}"
