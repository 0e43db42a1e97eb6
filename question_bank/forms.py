"""Forms of the question bank's admin. They parse and present; the services decide."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from question_bank.formats.json_format import TYPE_FIELDS
from question_bank.models import Category, Language, QType
from question_bank.permissions import editable_category_ids
from question_bank.services import version_data_validate

# What the per-type editor starts from, for a new question of each type (CONTRACTS.md section 2).
TYPE_EXAMPLES: dict[str, dict] = {
    "single_choice": {
        "shuffle": True,
        "choices": [
            {"id": "1", "text": "<p>Toʻgʻri javob</p>", "fraction": "1", "feedback": ""},
            {"id": "2", "text": "<p>Notoʻgʻri javob</p>", "fraction": "0", "feedback": ""},
        ],
    },
    "multiple_response": {
        "shuffle": True,
        "choices": [
            {"id": "1", "text": "A", "fraction": "0.5", "feedback": ""},
            {"id": "2", "text": "B", "fraction": "0.5", "feedback": ""},
            {"id": "3", "text": "C", "fraction": "-1", "feedback": ""},
        ],
    },
    "true_false": {"correct": True, "feedback_true": "", "feedback_false": ""},
    "short_answer": {"case_sensitive": False, "answers": [{"text": "javob", "fraction": "1", "feedback": ""}]},
    "numerical": {"answers": [{"value": "3.14", "tolerance": "0.01", "fraction": "1", "feedback": ""}]},
    "matching": {
        "shuffle": True,
        "pairs": [
            {"id": "1", "prompt": "<p>Toshkent</p>", "answer": "Oʻzbekiston"},
            {"id": "2", "prompt": "<p>Astana</p>", "answer": "Qozogʻiston"},
        ],
    },
    "ordering": {
        "grading": "all_or_nothing",
        "items": [{"id": "1", "text": "Birinchi"}, {"id": "2", "text": "Ikkinchi"}],
    },
    "essay": {"grader_info": "", "min_words": None, "max_words": None},
    "description": {},
}


def editable_categories(user):
    ids = editable_category_ids(user)
    queryset = Category.objects.order_by("path")
    return queryset if ids is None else queryset.filter(pk__in=ids)


class QuestionForm(forms.Form):
    """The common fields of a question plus its type's fields as a JSON object.

    ``cleaned_data["data"]`` is the validated version content (sanitized HTML), ready for
    ``question_create`` / ``version_create``.
    """

    category = forms.ModelChoiceField(queryset=Category.objects.none(), label=_("Category"))
    idnumber = forms.CharField(label=_("ID number"), required=False, max_length=100)
    name = forms.CharField(label=_("Name"), max_length=255)
    qtype = forms.ChoiceField(label=_("Type"), choices=QType.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
    )
    default_points = forms.DecimalField(label=_("Default points"), min_value=0, max_digits=7, decimal_places=3)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    text = forms.CharField(
        label=_("Question text (HTML)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("HTML is cleaned: scripts, event handlers and javascript: links are removed. LaTeX: \\( … \\)."),
    )
    general_feedback = forms.CharField(
        label=_("General feedback (HTML)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    type_fields = forms.CharField(
        label=_("Answers (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "qb-json", "spellcheck": "false"}),
        help_text=_("The fields of the chosen type, as in the interchange format: choices, answers, pairs, items…"),
    )

    def __init__(self, *args, user, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.question = question
        self.fields["category"].queryset = editable_categories(user)
        if question is not None:
            # Moving is its own action (question_move); the idnumber belongs to the question.
            del self.fields["category"]
            del self.fields["idnumber"]

    @staticmethod
    def initial_from(data: dict) -> dict:
        qtype = data["qtype"]
        return {
            "name": data.get("name", ""),
            "qtype": qtype,
            "language": data.get("language", "uz"),
            "difficulty": data.get("difficulty"),
            "default_points": data.get("default_points", "1"),
            "tags": ", ".join(data.get("tags", [])),
            "text": data.get("text", ""),
            "general_feedback": data.get("general_feedback", ""),
            "type_fields": json.dumps(
                {key: data[key] for key in TYPE_FIELDS[qtype] if key in data}, ensure_ascii=False, indent=2
            ),
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        raw = (cleaned.get("type_fields") or "").strip() or "{}"
        try:
            type_fields = json.loads(raw)
        except json.JSONDecodeError as exc:
            self.add_error("type_fields", _("Not valid JSON: %(error)s") % {"error": exc})
            return cleaned
        if not isinstance(type_fields, dict):
            self.add_error("type_fields", _("Write a JSON object: { … }."))
            return cleaned
        data = {
            **type_fields,
            "name": cleaned["name"],
            "qtype": cleaned["qtype"],
            "language": cleaned["language"],
            "difficulty": cleaned.get("difficulty"),
            "default_points": format(cleaned["default_points"], "f"),
            "tags": [tag.strip() for tag in (cleaned.get("tags") or "").split(",") if tag.strip()],
            "text": cleaned["text"],
            "general_feedback": cleaned.get("general_feedback") or "",
        }
        try:
            cleaned["data"] = version_data_validate(data=data)
        except ValidationError as exc:
            for message in exc.messages:
                self.add_error(None, message)
        return cleaned


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    parent = forms.ModelChoiceField(
        queryset=Category.objects.none(), required=False, label=_("Parent"), empty_label=_("(top level)")
    )
    idnumber = forms.CharField(label=_("ID number"), required=False, max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = editable_categories(user)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class MoveForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label=_("Move to"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = editable_categories(user)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class BulkForm(forms.Form):
    ACTIONS = [
        ("tag", _("Add tags")),
        ("move", _("Move to category")),
        ("submit", _("Submit for review")),
        ("link", _("Link as translations")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    questions = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("Questions"))
    tags = forms.CharField(required=False, label=_("Tags"))
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, label=_("Category"))

    def __init__(self, *args, user, question_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].choices = [(pk, pk) for pk in question_ids]
        self.fields["category"].queryset = editable_categories(user)


IMPORT_FORMATS = [
    ("gift", "GIFT"),
    ("moodle_xml", "Moodle XML"),
    ("aiken", "Aiken"),
    ("xlsx", "Excel (XLSX)"),
    ("csv", "CSV"),
    ("json", "Certify JSON"),
]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    file_format = forms.ChoiceField(label=_("Format"), choices=IMPORT_FORMATS)
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        required=False,
        label=_("Default category"),
        help_text=_("For questions whose file names no category (Aiken always)."),
    )
    language = forms.ChoiceField(label=_("Language of questions that do not state one"), choices=Language.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = editable_categories(user)
