"""factory_boy factories for tests: users, categories, approved questions, exams."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from exams.models import DrawRule, Exam, Section
from question_bank.models import Category, Question, QuestionVersion, VersionStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.uz")
    username = factory.LazyAttribute(lambda user: user.email)
    full_name = factory.Sequence(lambda n: f"Nomzod Oʻgʻli {n}")
    password = factory.PostGenerationMethodCall("set_password", "Parol-2026!")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


def single_choice(name: str, *, right: str = "1", language: str = "uz", difficulty: int | None = 3) -> dict:
    """A single-choice question in the interchange form, options ids "1".."4", ``right`` correct."""
    return {
        "name": name,
        "qtype": "single_choice",
        "text": f"<p>{name}?</p>",
        "general_feedback": "",
        "default_points": "1",
        "difficulty": difficulty,
        "tags": [],
        "language": language,
        "shuffle": True,
        "choices": [
            {"id": str(i), "text": f"Option {i}", "fraction": "1" if str(i) == right else "0", "feedback": f"fb{i}"}
            for i in range(1, 5)
        ],
    }


def approved_question(*, category: Category, data: dict | None = None, idnumber: str | None = None) -> Question:
    """A question with one approved version (what exams draw)."""
    question = Question.objects.create(category=category, idnumber=idnumber)
    data = data or single_choice(f"Q{question.pk}")
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        qtype=data["qtype"],
        name=data["name"],
        difficulty=data.get("difficulty"),
        language=data.get("language", "uz"),
        default_points=Decimal(data.get("default_points", "1")),
        data=data,
        status=VersionStatus.APPROVED,
        reviewed_at=timezone.now(),
    )
    question.approved_version = version
    question.save(update_fields=["approved_version"])
    return question


def bulk_approved_questions(*, category: Category, count: int, start: int = 0) -> None:
    """``count`` approved single-choice questions, created with bulk inserts (for big banks)."""
    questions = Question.objects.bulk_create([Question(category=category) for _ in range(count)])
    versions = QuestionVersion.objects.bulk_create(
        [
            QuestionVersion(
                question=question,
                number=1,
                qtype="single_choice",
                name=f"Q{start + i}",
                difficulty=3,
                language="uz",
                data=single_choice(f"Q{start + i}"),
                status=VersionStatus.APPROVED,
            )
            for i, question in enumerate(questions)
        ]
    )
    for question, version in zip(questions, versions, strict=True):
        question.approved_version = version
    Question.objects.bulk_update(questions, ["approved_version"], batch_size=1000)


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exam

    code = factory.Sequence(lambda n: f"exam-{n}")
    title_uz = factory.Sequence(lambda n: f"Imtihon {n}")
    title_ru = factory.Sequence(lambda n: f"Экзамен {n}")
    title_en = factory.Sequence(lambda n: f"Exam {n}")
    time_limit_minutes = 30
    cut_score = Decimal("70")
    attempts_allowed = 2
    is_published = True
    shuffle_items = True
    shuffle_options = True
    validity_months = 24


def blueprint(exam: Exam, rules: list[tuple[Category, int]], *, points: str | None = "1") -> list[DrawRule]:
    """One section per rule: ``[(category, count), ...]``."""
    created = []
    for position, (category, count) in enumerate(rules, start=1):
        section = Section.objects.create(exam=exam, position=position, title_uz=f"Boʻlim {position}")
        created.append(
            DrawRule.objects.create(
                section=section, category=category, count=count, points=Decimal(points) if points else None
            )
        )
    return created
