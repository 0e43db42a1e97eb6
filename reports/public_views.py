"""The optional open-data page: certificates issued per qualification per year, no personal data.

Published only while :class:`reports.models.OpenDataSettings` says so; otherwise 404.
"""

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render

from .models import OpenDataSettings
from .selectors import certificates_per_qualification_year


def _published() -> None:
    if not OpenDataSettings.load().publish_open_data:
        raise Http404


def open_data(request):
    _published()
    return render(request, "reports/open_data.html", {"rows": certificates_per_qualification_year()})


def open_data_csv(request):
    _published()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="certificates-per-qualification-year.csv"'
    writer = csv.writer(response)
    writer.writerow(["year", "qualification_uz", "qualification_en", "certificates_issued"])
    for row in certificates_per_qualification_year():
        writer.writerow([row["year"], row["qualification"], row["qualification_en"], row["issued"]])
    return response
