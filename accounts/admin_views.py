"""Wagtail admin pages for the spreadsheet imports: upload, dry run, result. Thin: the work is
in :mod:`accounts.importing`."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .importing import ImportFileError, candidates_enrol, organisations_import
from .invitations import invitations_enqueue

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("Dry run: check only, write nothing"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class EnrolForm(ImportForm):
    cohort = forms.CharField(label=_("Cohort for rows that name none"), required=False, max_length=255)
    invite = forms.BooleanField(label=_("E-mail invitations to new candidates"), required=False, initial=True)


def _import_view(request, *, permission, form_class, title, columns, run, after=None):
    if not request.user.has_perm(permission):
        raise PermissionDenied
    form = form_class(request.POST or None, request.FILES or None)
    result = file_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = run(content=upload.read(), filename=upload.name, form=form)
        except ImportFileError as error:
            file_error = str(error)
        else:
            if after and result.ok and not result.dry_run:
                after(result, form)
    context = {"form": form, "result": result, "file_error": file_error, "title": title, "columns": columns}
    return render(request, "accounts/admin/import.html", context)


def organisations_import_view(request):
    return _import_view(
        request,
        permission="accounts.add_organisation",
        form_class=ImportForm,
        title=_("Import organisations"),
        columns="name, parent, kind",
        run=lambda *, content, filename, form: organisations_import(
            content=content, filename=filename, dry_run=form.cleaned_data["dry_run"]
        ),
    )


def candidates_enrol_view(request):
    def invite(result, form):
        if form.cleaned_data["invite"]:
            invitations_enqueue(user_ids=result.created_ids)

    return _import_view(
        request,
        permission="accounts.add_user",
        form_class=EnrolForm,
        title=_("Enrol candidates"),
        columns="full_name, email, organisation, position, cohort, language",
        run=lambda *, content, filename, form: candidates_enrol(
            content=content,
            filename=filename,
            dry_run=form.cleaned_data["dry_run"],
            default_cohort=form.cleaned_data["cohort"],
        ),
        after=invite,
    )
