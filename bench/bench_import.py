"""Import of a generated 10,000-question GIFT file through ``import_questions`` (issue 3).

The file mixes the common types (single choice, multiple response, true/false, short
answer, numerical, matching, essay) in Uzbek (with ʻ U+02BB) and Russian, across twenty
categories, with idnumbers and tags; every question is new, so each is validated,
sanitized and written with its first version and its audit record.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from bench.common import Context, result

COUNT = 10_000
ROOT_CATEGORY = "Bench import"


def _question(n: int) -> str:
    kind = n % 7
    uz = n % 2 == 0
    stem = f"Oʻzbekiston savoli {n}: qaysi javob toʻgʻri?" if uz else f"Вопрос {n}: какой ответ верный?"
    head = f"// [id:BENCH-{n}]\n// [tag:bench] [tag:{'uz' if uz else 'ru'}]\n::Q{n}:: {stem}"
    if kind == 0:
        return f"{head} {{=Toʻgʻri #Ha ~Notoʻgʻri #Yoʻq ~Boshqa ~Yana biri}}"
    if kind == 1:
        return f"{head} {{~%50%Bir ~%50%Ikki ~%-100%Uch ~%-100%Toʻrt}}"
    if kind == 2:
        return f"{head} {{T#Notoʻgʻri#Toʻgʻri}}"
    if kind == 3:
        return f"{head} {{=Toshkent =%50%Tashkent #yarim}}"
    if kind == 4:
        return f"{head} {{#3.14:0.01}}"
    if kind == 5:
        return f"{head} {{=Toshkent -> Oʻzbekiston =Olmaota -> Qozogʻiston =Bishkek -> Qirgʻiziston}}"
    return f"{head} {{}}"


def gift_text(count: int = COUNT) -> str:
    parts = []
    for n in range(count):
        if n % (count // 20) == 0:
            parts.append(f"$CATEGORY: $course$/top/{ROOT_CATEGORY}/Boʻlim {n // (count // 20) + 1}")
        parts.append(_question(n))
    return "\n\n".join(parts) + "\n"


def _clear() -> None:
    from question_bank.models import Category, Question, QuestionVersion

    questions = Question.objects.filter(category__path__startswith=ROOT_CATEGORY)
    Question.objects.filter(pk__in=questions.values("pk")).update(approved_version=None)
    QuestionVersion.objects.filter(question__in=questions).delete()
    questions.delete()
    for category in Category.objects.filter(path__startswith=ROOT_CATEGORY).order_by("-path"):
        category.delete()


def gift_import_10k(context: Context) -> list[dict]:
    from django.core.management import call_command

    from question_bank.models import Question

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.gift"
        path.write_text(gift_text(), encoding="utf-8")
        size_mb = path.stat().st_size / 1024 / 1024
        _clear()
        started = time.perf_counter()
        call_command("import_questions", str(path), "--format=gift", "--language=uz", stdout=io.StringIO())
        elapsed = time.perf_counter() - started
    imported = Question.objects.filter(category__path__startswith=ROOT_CATEGORY).count()
    _clear()
    if imported != COUNT:
        raise RuntimeError(f"expected {COUNT} questions imported, found {imported}")
    return [
        result(
            "gift_import_10k",
            elapsed,
            "s",
            "< 30",
            f"{COUNT} new questions, 7 types, uz+ru, {size_mb:.1f} MB GIFT, one transaction, audit log on",
        )
    ]


BENCHMARKS = {"gift_import_10k": gift_import_10k}
