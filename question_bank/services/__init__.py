"""Writes to the question bank: import/export (``importing``) and authoring and review
(``authoring``). Everything public is re-exported here: ``from question_bank.services import ...``."""

from question_bank.services.authoring import (
    category_save,
    question_create,
    question_duplicate,
    question_move,
    question_retire,
    questions_link_translations,
    questions_tag,
    version_approve,
    version_create,
    version_data_validate,
    version_reject,
    version_submit_for_review,
)
from question_bank.services.importing import (
    CategoryCounts,
    ImportSummary,
    QuestionImportError,
    questions_export,
    questions_import,
)

__all__ = [
    "CategoryCounts",
    "ImportSummary",
    "QuestionImportError",
    "category_save",
    "question_create",
    "question_duplicate",
    "question_move",
    "question_retire",
    "questions_export",
    "questions_import",
    "questions_link_translations",
    "questions_tag",
    "version_approve",
    "version_create",
    "version_data_validate",
    "version_reject",
    "version_submit_for_review",
]
