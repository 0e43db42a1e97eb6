"""``manage.py generate_load_data``: a large, realistic data set for the load benchmarks (issue 9).

Creates, with bulk inserts (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere):

- a question bank under the category ``Load`` of 10 categories x 5 difficulties (80 %
  single choice, 10 % true/false, 10 % multiple response), every question approved;
- candidates in organisations (ministries and their departments), with verified e-mail
  addresses and one shared password (``LOAD_PASSWORD``) so a load generator can sign in;
- past exams (``load-past-1`` ...) with final, graded attempts and their items;
- certificates for passing attempts: serials from the year's ``SerialCounter`` (moved on, so
  later issuing continues without collision), codes from
  :func:`certificates.codes.code_generate`, credentials signed with the active key;
- the published exam ``load-exam``: 5 sections of 10 single-choice items, difficulty 2-4.

It refuses to run twice on one database (the exam ``load-exam`` marks a finished run):
rebuild the database instead. ``--filler-certificates N`` is a second, separate step for
the verification benchmark at a million certificates: N minimal certificates (each with its
own attempt of the exam ``load-filler``, no items, credential not signed: the API does not
check signatures), refused when the base data is missing or the filler already exists.

Every count is multiplied by ``--scale`` (0.01 gives a data set for tests). The command
prints its own run time, per step and in total, and, with ``--json``, one JSON line of them.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

LOAD_PASSWORD = "Yuklama-2026!"  # noqa: S105 - the documented password of generated load accounts
LOAD_EXAM = "load-exam"
FILLER_EXAM = "load-filler"
EMAIL_DOMAIN = "load.certify.uz"
ROOT_CATEGORY = "Load"

CATEGORY_NAMES = [
    "Huquqiy asoslar",
    "Kiberxavfsizlik",
    "Elektron hujjat aylanishi",
    "Toʻlov tizimlari",
    "Davlat xizmatlari portali",
    "Raqamli identifikatsiya",
    "Axborot tizimlari integratsiyasi",
    "Loyihalarni boshqarish",
    "Ochiq hukumat",
    "Mobil xizmatlar",
]
MINISTRIES = [
    "Raqamli texnologiyalar vazirligi",
    "Adliya vazirligi",
    "Moliya vazirligi",
    "Sogʻliqni saqlash vazirligi",
    "Xalq taʼlimi vazirligi",
    "Ichki ishlar vazirligi",
    "Qishloq xoʻjaligi vazirligi",
    "Iqtisodiyot va moliya vazirligi",
    "Transport vazirligi",
    "Madaniyat vazirligi",
    "Energetika vazirligi",
    "Tashqi ishlar vazirligi",
]
DEPARTMENTS = ["Axborot texnologiyalari boshqarmasi", "Kadrlar boʻlimi", "Yuridik boʻlim", "Hududiy boshqarma"]
GIVEN_NAMES = ["Gʻayrat", "Oʻktam", "Dilnoza", "Shoxrux", "Malika", "Oʻgʻiloy", "Jasur", "Nilufar", "Bekzod", "Zuhra"]
FAMILY_NAMES = ["Toʻxtayev", "Gʻulomov", "Karimova", "Yoʻldosheva", "Rahimov", "Qoʻchqorov", "Sobirova", "Aliyev"]
ITEMS_PER_SECTION = 10
LOAD_SECTIONS = 5
PAST_EXAMS = 5


@dataclass(frozen=True)
class Plan:
    """The counts one run creates (already scaled): all ``int`` >= 0."""

    questions: int
    candidates: int
    attempts: int
    certificates: int
    items_per_attempt: int

    @property
    def categories(self) -> int:
        return len(CATEGORY_NAMES)


def plan_for(
    *, questions: int, candidates: int, attempts: int, certificates: int, items_per_attempt: int, scale: float
) -> Plan:
    """The scaled counts, checked: raises ``ValueError`` (with the reason) for a plan that
    cannot be built, before anything is written.

    Rules: at least one candidate; at least ``LOAD_SECTIONS * ITEMS_PER_SECTION`` single-choice
    questions per category the load exam draws from (the bank is 80 % single choice);
    ``certificates <= attempts`` (one certificate per passing attempt); items per attempt
    no more than the questions of one category.
    """
    if scale <= 0:
        raise ValueError("--scale must be greater than 0")
    counts = {
        name: max(0, round(value * scale))
        for name, value in {
            "questions": questions,
            "candidates": candidates,
            "attempts": attempts,
            "certificates": certificates,
        }.items()
    }
    plan = Plan(items_per_attempt=items_per_attempt, **counts)
    if plan.candidates < 1:
        raise ValueError("at least one candidate is needed")
    per_category = plan.questions // plan.categories
    # The load exam draws ITEMS_PER_SECTION single-choice questions of difficulty 2-4 from one category.
    if per_category * 0.8 * 3 / 5 < ITEMS_PER_SECTION * 1.5:
        raise ValueError(f"{plan.questions} questions are too few: the load exam needs at least 320")
    if plan.certificates > plan.attempts:
        raise ValueError(f"{plan.certificates} certificates need as many passing attempts; only {plan.attempts}")
    if not 0 <= items_per_attempt <= per_category:
        raise ValueError(f"--items-per-attempt must be between 0 and {per_category}")
    if plan.attempts > plan.candidates * PAST_EXAMS * 30_000:
        raise ValueError("too many attempts for so few candidates")
    return plan


def question_data(*, number: int, qtype: str, difficulty: int, category: str) -> dict:
    """One question in the interchange form (CONTRACTS.md section 2); the right option is "1"."""
    name = f"{category}: savol {number}"
    base = {
        "name": name,
        "qtype": qtype,
        "text": f"<p>{category} boʻyicha {number}-savol: qaysi javob toʻgʻri?</p>",
        "general_feedback": "",
        "default_points": "1",
        "difficulty": difficulty,
        "tags": ["load"],
        "language": "uz",
    }
    if qtype == "true_false":
        return {**base, "correct": True, "feedback_true": "Toʻgʻri", "feedback_false": "Notoʻgʻri"}
    right = {"1"} if qtype == "single_choice" else {"1", "2"}
    fraction = "1" if qtype == "single_choice" else "0.5"
    choices = [
        {"id": str(i), "text": f"Javob {i}", "fraction": fraction if str(i) in right else "0", "feedback": ""}
        for i in range(1, 5)
    ]
    return {**base, "shuffle": True, "choices": choices}


def response_for(qtype: str, *, right: bool) -> dict:
    """A right or a wrong response to a question made by :func:`question_data`."""
    if qtype == "true_false":
        return {"value": right}
    if qtype == "multiple_response":
        return {"choices": ["1", "2"] if right else ["3"]}
    return {"choice": "1" if right else "2"}


def qtype_for(number: int) -> str:
    """80 % single choice, 10 % true/false, 10 % multiple response, spread evenly."""
    return {8: "true_false", 9: "multiple_response"}.get(number % 10, "single_choice")


class Writer:
    """Bulk inserts with ids chosen here, so rows can point at each other before insertion.

    On PostgreSQL the ids are reserved from the table's sequence and rows go in with
    ``COPY``; elsewhere ``bulk_create``. ``rows`` are tuples in the order of ``fields``
    (attnames such as ``category_id``).
    """

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def skip_foreign_key_triggers(self) -> bool:
        """On PostgreSQL, as a superuser, skip the per-row foreign-key triggers for the rest of the
        transaction: the rows are consistent by construction, and checking millions of them at the
        commit takes longer than writing them. True when done; otherwise the checks stay."""
        if not self.postgres:
            return False
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return False
        return True

    def reserve(self, model: type[models.Model], count: int) -> int:
        """The first of ``count`` consecutive free ids of ``model``'s table."""
        table = model._meta.db_table
        pk = model._meta.pk.column
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")  # noqa: S608 - names from _meta
                highest = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [sequence])
                first = max(cursor.fetchone()[0], highest + 1)
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
                return first
            cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")  # noqa: S608 - names from _meta
            return cursor.fetchone()[0] + 1

    def insert(self, model: type[models.Model], fields: list[str], rows) -> int:
        """Insert ``rows``; returns how many."""
        opts = model._meta
        json_at = [i for i, name in enumerate(fields) if isinstance(self._field(opts, name), models.JSONField)]
        count = 0
        if self.postgres:
            from psycopg.types.json import Jsonb

            # Columns not given get the model's default, as the ORM would (COPY knows no Django defaults).
            extra = self._defaults(opts, fields)
            if extra:
                fields = [*fields, *extra]
                rows = ((*row, *extra.values()) for row in rows)
                json_at = [i for i, name in enumerate(fields) if isinstance(self._field(opts, name), models.JSONField)]
            columns = ", ".join(connection.ops.quote_name(self._field(opts, name).column) for name in fields)
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {opts.db_table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = None if row[i] is None else Jsonb(row[i])
                    copy.write_row(row)
                    count += 1
            return count
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(fields, row, strict=True))))
            if len(batch) == 2000:
                model.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        model.objects.bulk_create(batch)
        return count + len(batch)

    @staticmethod
    def _defaults(opts, fields: list[str]) -> dict:
        """``{attname: value}`` for the NOT NULL columns missing from ``fields``; raises
        ``ValueError`` for one with no default (the caller must give it)."""
        extra = {}
        for field in opts.concrete_fields:
            if field.attname in fields or field.null or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                extra[field.attname] = timezone.now()
            elif field.has_default():
                extra[field.attname] = field.get_default()
            elif field.empty_strings_allowed:
                extra[field.attname] = ""
            else:
                raise ValueError(f"{opts.label}.{field.attname} needs a value")
        return extra

    @staticmethod
    def _field(opts, attname: str):
        for field in opts.concrete_fields:
            if field.attname == attname:
                return field
        raise KeyError(attname)


class Command(BaseCommand):
    help = "Create a large data set for the load benchmarks with bulk inserts (refuses to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--questions", type=int, default=50_000)
        parser.add_argument("--candidates", type=int, default=20_000)
        parser.add_argument("--attempts", type=int, default=100_000, help="past final attempts")
        parser.add_argument("--certificates", type=int, default=50_000)
        parser.add_argument("--items-per-attempt", type=int, default=10, help="items of each past attempt")
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.01 for tests)")
        parser.add_argument("--seed", type=int, default=9)
        parser.add_argument(
            "--filler-certificates",
            type=int,
            default=0,
            help="instead: add this many minimal certificates (verification at a million)",
        )
        parser.add_argument("--json", action="store_true", help="print the timings as one JSON line at the end")

    def handle(self, *args, **options):
        self.timings: dict[str, float] = {}
        self.rng = random.Random(options["seed"])  # noqa: S311 - reproducible data, not secrets
        self.writer = Writer()
        started = time.perf_counter()
        if options["filler_certificates"]:
            self._filler(options["filler_certificates"])
        else:
            try:
                plan = plan_for(
                    questions=options["questions"],
                    candidates=options["candidates"],
                    attempts=options["attempts"],
                    certificates=options["certificates"],
                    items_per_attempt=options["items_per_attempt"],
                    scale=options["scale"],
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
            self._generate(plan)
        self.timings["total_s"] = round(time.perf_counter() - started, 3)
        self.stdout.write(f"generate_load_data: done in {self.timings['total_s']:.1f} s")
        if options["json"]:
            self.stdout.write(json.dumps(self.timings))

    def _step(self, name: str, function, *args):
        began = time.perf_counter()
        value = function(*args)
        self.timings[f"{name}_s"] = round(time.perf_counter() - began, 3)
        self.stdout.write(f"  {name}: {self.timings[f'{name}_s']:.1f} s")
        return value

    # -- the base data set -------------------------------------------------------------

    @transaction.atomic
    def _generate(self, plan: Plan) -> None:
        from exams.models import Exam

        if Exam.objects.filter(code=LOAD_EXAM).exists():
            raise CommandError(
                f"Load data already exists (exam {LOAD_EXAM!r}); it is generated once per database: "
                "create a fresh database to generate it again."
            )
        self.stdout.write(
            f"generate_load_data: {plan.questions} questions, {plan.candidates} candidates, "
            f"{plan.attempts} attempts x {plan.items_per_attempt} items, {plan.certificates} certificates"
        )
        self.now = timezone.now()
        self.timings["foreign_key_triggers_skipped"] = self.writer.skip_foreign_key_triggers()
        pools = self._step("questions", self._questions, plan)
        candidates = self._step("candidates", self._candidates, plan)
        exams = self._step("exams", self._exams, pools)
        passing = self._step("attempts", self._attempts, plan, exams, pools, candidates)
        self._step("certificates", self._certificates, plan, passing)
        self.timings.update({f"{k}": v for k, v in plan.__dict__.items()})

    def _questions(self, plan: Plan) -> dict:
        """Returns ``{category_id: {"sc": [(question_id, version_id, difficulty)], "all": [...]}}``."""
        from question_bank.models import Category, Question, QuestionVersion, VersionStatus

        root = Category.ensure_path(ROOT_CATEGORY)
        categories = [Category.objects.create(parent=root, name=name) for name in CATEGORY_NAMES]
        q_first = self.writer.reserve(Question, plan.questions)
        v_first = self.writer.reserve(QuestionVersion, plan.questions)
        pools: dict = {c.pk: {"sc": [], "all": [], "name": c.name} for c in categories}
        questions, versions = [], []
        for n in range(plan.questions):
            category = categories[n % len(categories)]
            difficulty = (n // len(categories)) % 5 + 1
            qtype = qtype_for(n // (len(categories) * 5))
            qid, vid = q_first + n, v_first + n
            data = question_data(number=n + 1, qtype=qtype, difficulty=difficulty, category=category.name)
            questions.append((qid, category.pk, f"LOAD-{n + 1:06d}", vid, self.now))
            versions.append(
                (vid, qid, 1, qtype, data["name"], difficulty, "uz", Decimal(1), data, VersionStatus.APPROVED, self.now)
            )
            pools[category.pk]["all"].append((qid, vid, qtype))
            if qtype == "single_choice":
                pools[category.pk]["sc"].append((qid, vid, difficulty))
        self.writer.insert(Question, ["id", "category_id", "idnumber", "approved_version_id", "created_at"], questions)
        self.writer.insert(
            QuestionVersion,
            [
                "id",
                "question_id",
                "number",
                "qtype",
                "name",
                "difficulty",
                "language",
                "default_points",
                "data",
                "status",
                "created_at",
            ],
            versions,
        )
        return pools

    def _candidates(self, plan: Plan) -> list[tuple[int, str]]:
        """Returns ``[(user_id, full_name)]``; e-mails are ``load-<n>@load.certify.uz`` (n from 1)."""
        from allauth.account.models import EmailAddress

        from accounts.models import Organisation, User

        organisations = []
        for ministry_name in MINISTRIES:
            ministry = Organisation.objects.create(name=ministry_name, kind="ministry")
            organisations.append(ministry)
            organisations += [
                Organisation.objects.create(name=name, parent=ministry, kind="department") for name in DEPARTMENTS
            ]
        # One hash for every account: hashing is deliberately slow (PBKDF2), 20,000 of them would take hours.
        password = make_password(LOAD_PASSWORD)
        first = self.writer.reserve(User, plan.candidates)
        users, emails = [], []
        for n in range(plan.candidates):
            uid = first + n
            email = load_email(n + 1)
            name = f"{GIVEN_NAMES[n % len(GIVEN_NAMES)]} {FAMILY_NAMES[n // 10 % len(FAMILY_NAMES)]} {n + 1}"
            organisation = organisations[n % len(organisations)]
            users.append((uid, password, False, email, "", "", False, True, self.now, email, name, "", organisation.pk))
            emails.append((uid, email, True, True))
        self._insert_users(users)
        self.writer.insert(EmailAddress, ["user_id", "email", "verified", "primary"], emails)
        return [(row[0], row[10]) for row in users]

    def _insert_users(self, users: list[tuple]) -> None:
        from accounts.models import User

        fields = [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "date_joined",
            "email",
            "full_name",
            "full_name_cyrillic",
            "organisation_id",
            "position",
            "language",
            "phone",
            "pinfl",
        ]
        rows = ((*row[:11], "", row[12], "Bosh mutaxassis", "uz", "", "") for row in users)
        self.writer.insert(User, fields, rows)

    def _exams(self, pools: dict) -> list[dict]:
        """The published ``load-exam`` (5 x 10 single-choice items) and the past exams."""
        from exams.models import DrawRule, Exam, Section
        from question_bank.models import Category

        category_ids = list(pools)
        load = Exam.objects.create(
            code=LOAD_EXAM,
            title_uz="Elektron hukumat boʻyicha malaka imtihoni",
            title_ru="Квалификационный экзамен по электронному правительству",
            title_en="E-Government qualification exam",
            time_limit_minutes=90,
            cut_score=Decimal(60),
            attempts_allowed=1,
            is_published=True,
            validity_months=24,
        )
        for position in range(1, LOAD_SECTIONS + 1):
            category = Category.objects.get(pk=category_ids[position - 1])
            section = Section.objects.create(exam=load, position=position, title_uz=category.name)
            DrawRule.objects.create(
                section=section,
                category=category,
                count=ITEMS_PER_SECTION,
                points=Decimal(1),
                difficulty_min=2,
                difficulty_max=4,
                qtypes=["single_choice"],
            )
        past = []
        for number in range(1, PAST_EXAMS + 1):
            exam = Exam.objects.create(
                code=f"load-past-{number}",
                title_uz=f"Malaka imtihoni {number}-bosqich",
                title_en=f"Qualification exam, stage {number}",
                time_limit_minutes=60,
                cut_score=Decimal(60),
                attempts_allowed=30_000,
                is_published=False,
                validity_months=24,
            )
            category_id = category_ids[(number - 1) % len(category_ids)]
            section = Section.objects.create(exam=exam, position=1, title_uz=pools[category_id]["name"])
            DrawRule.objects.create(section=section, category_id=category_id, count=10, points=Decimal(1))
            past.append({"exam": exam, "section_id": section.pk, "pool": pools[category_id]["all"]})
        return past

    def _attempts(self, plan: Plan, exams: list[dict], pools: dict, candidates: list) -> list[tuple]:
        """Final graded attempts spread over the last year; returns the passing ones as
        ``(attempt_id, candidate_id, full_name, exam, final_at)``, as many as certificates asked (or more)."""
        from exams.models import Attempt, AttemptItem

        first = self.writer.reserve(Attempt, plan.attempts)
        item_first = self.writer.reserve(AttemptItem, plan.attempts * plan.items_per_attempt)
        # Passing attempts: at least the certificates asked for, about 70 % otherwise.
        passing_count = max(plan.certificates, int(plan.attempts * 0.7))
        passing_set = set(self.rng.sample(range(plan.attempts), min(passing_count, plan.attempts)))
        k = plan.items_per_attempt
        passing, attempts, item_rows = [], [], []
        per_exam_seats = len(candidates) * len(exams)
        for n in range(plan.attempts):
            exam = exams[(n // len(candidates)) % len(exams)]
            candidate_id, full_name = candidates[n % len(candidates)]
            number = n // per_exam_seats + 1
            passed = n in passing_set
            started = self.now - timedelta(days=self.rng.randint(1, 365), minutes=self.rng.randint(0, 1440))
            final_at = started + timedelta(minutes=self.rng.randint(20, 59))
            right_count = 0
            if k:
                pool = exam["pool"]
                begin = self.rng.randrange(len(pool))
                needed = -(-k * 6 // 10)  # ceil(60 %): the cut score
                rights = set(self.rng.sample(range(k), needed if passed else self.rng.randint(0, needed - 1)))
                for position in range(1, k + 1):
                    qid, vid, qtype = pool[(begin + position) % len(pool)]
                    right = position - 1 in rights
                    right_count += right
                    fraction = Decimal(1) if right else Decimal(0)
                    item_rows.append(
                        (
                            item_first + len(item_rows),
                            first + n,
                            position,
                            exam["section_id"],
                            vid,
                            qid,
                            Decimal(1),
                            ["1", "2", "3", "4"] if qtype != "true_false" else [],
                            response_for(qtype, right=right),
                            final_at,
                            1,
                            False,
                            fraction,
                            fraction,
                            False,
                            "",
                        )
                    )
                percent = Decimal(right_count * 100) / Decimal(k)
            else:
                percent = Decimal(80) if passed else Decimal(40)
                right_count = int(percent)
            attempts.append(
                (
                    first + n,
                    exam["exam"].pk,
                    candidate_id,
                    number,
                    self.rng.getrandbits(62),
                    "final",
                    started,
                    started + timedelta(minutes=60),
                    final_at,
                    False,
                    Decimal(right_count),
                    Decimal(k or 100),
                    percent,
                    passed,
                    final_at,
                    1,
                )
            )
            if passed:
                passing.append((first + n, candidate_id, full_name, exam["exam"], final_at))
        self.writer.insert(
            Attempt,
            [
                "id",
                "exam_id",
                "candidate_id",
                "number",
                "seed",
                "state",
                "started_at",
                "deadline_at",
                "submitted_at",
                "auto_submitted",
                "score",
                "max_score",
                "percent",
                "passed",
                "final_at",
                "current_page",
            ],
            attempts,
        )
        self.writer.insert(
            AttemptItem,
            [
                "id",
                "attempt_id",
                "position",
                "section_id",
                "question_version_id",
                "question_id",
                "points",
                "option_order",
                "response",
                "saved_at",
                "save_sequence",
                "flagged",
                "fraction",
                "score",
                "needs_manual_grading",
                "grader_comment",
            ],
            item_rows,
        )
        return passing

    def _certificates(self, plan: Plan, passing: list[tuple]) -> None:
        from certificates import keys
        from certificates.models import TASHKENT, Certificate
        from certificates.services import expiry_date
        from certificates.signing import Claims, credential_sign, credential_to_text

        key = keys.active_key()
        chosen = sorted(self.rng.sample(passing, plan.certificates), key=lambda row: row[4])
        serials = SerialAllocator()
        rows = []
        for attempt_id, candidate_id, full_name, exam, final_at in chosen:
            issued_on = final_at.astimezone(TASHKENT).date()
            expires_on = expiry_date(issued_on, exam.validity_months)
            serial = serials.next(issued_on.year)
            code = unique_code(serials.codes)
            claims = Claims(
                code=code,
                serial=serial,
                holder_name=full_name,
                qualification_uz=exam.title_uz,
                issued_on=issued_on,
                expires_on=expires_on,
            )
            credential = credential_to_text(credential_sign(claims, kid=key.kid, private_key=key.private_key))
            rows.append(
                _certificate_row(
                    candidate_id,
                    exam,
                    attempt_id,
                    serial,
                    code,
                    full_name,
                    issued_on,
                    expires_on,
                    key.kid,
                    credential,
                    final_at,
                )
            )
        Writer().insert(Certificate, [*CERTIFICATE_FIELDS, "created_at"], rows)
        serials.save()

    # -- the filler for the verification benchmark at a million ---------------------------

    @transaction.atomic
    def _filler(self, count: int) -> None:
        from accounts.models import User
        from certificates.models import Certificate
        from exams.models import Attempt, Exam

        if count < 0:
            raise CommandError("--filler-certificates must be positive")
        if not Exam.objects.filter(code=LOAD_EXAM).exists():
            raise CommandError("Generate the base load data first (without --filler-certificates).")
        if Exam.objects.filter(code=FILLER_EXAM).exists():
            raise CommandError(f"Filler certificates already exist (exam {FILLER_EXAM!r}); rebuild the database.")
        self.now = timezone.now()
        self.timings["foreign_key_triggers_skipped"] = self.writer.skip_foreign_key_triggers()
        exam = Exam.objects.create(
            code=FILLER_EXAM,
            title_uz="Arxiv sertifikatlari",
            time_limit_minutes=60,
            cut_score=Decimal(60),
            attempts_allowed=30_000,
            is_published=False,
        )
        candidates = list(
            User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").order_by("pk").values_list("pk", "full_name")
        )
        if not candidates:
            raise CommandError("No load candidates found.")
        if count > len(candidates) * 30_000:
            raise CommandError("Too many filler certificates for so few candidates.")
        self.stdout.write(f"generate_load_data: {count} filler certificates")

        def attempts():
            for n in range(count):
                when = self.now - timedelta(days=n % 3650, minutes=n % 1440)
                candidate_id = candidates[n % len(candidates)][0]
                number = n // len(candidates) + 1
                yield (first + n, exam.pk, candidate_id, number, n, "final", when, when, when, False, True, when, 1)

        first = self.writer.reserve(Attempt, count)
        self._step(
            "filler_attempts",
            self.writer.insert,
            Attempt,
            [
                "id",
                "exam_id",
                "candidate_id",
                "number",
                "seed",
                "state",
                "started_at",
                "deadline_at",
                "submitted_at",
                "auto_submitted",
                "passed",
                "final_at",
                "current_page",
            ],
            attempts(),
        )
        serials = SerialAllocator(prefix_suffix="A")

        def certificates():
            for n in range(count):
                when = self.now - timedelta(days=n % 3650, minutes=n % 1440)
                candidate_id, full_name = candidates[n % len(candidates)]
                serial = serials.next(when.year)
                code = unique_code(serials.codes)
                yield _certificate_row(
                    candidate_id, exam, first + n, serial, code, full_name, when.date(), None, "", "unsigned", when
                )

        self._step(
            "filler_certificates", self.writer.insert, Certificate, [*CERTIFICATE_FIELDS, "created_at"], certificates()
        )
        self.timings["filler_count"] = count


CERTIFICATE_FIELDS = [
    "holder_id",
    "exam_id",
    "attempt_id",
    "serial",
    "verification_code",
    "holder_name",
    "qualification_uz",
    "qualification_ru",
    "qualification_en",
    "second_language",
    "issued_on",
    "expires_on",
    "issuer_name",
    "signatory_name",
    "signatory_title",
    "signing_key_id",
    "credential",
    "pdf",
    "revocation_reason",
]


def _certificate_row(
    candidate_id, exam, attempt_id, serial, code, name, issued_on, expires_on, kid, credential, created_at=None
):
    from django.conf import settings

    return (
        candidate_id,
        exam.pk,
        attempt_id,
        serial,
        code,
        name,
        exam.title_uz,
        exam.title_ru,
        exam.title_en,
        "ru",
        issued_on,
        expires_on,
        settings.CERTIFY_ISSUER_NAME,
        "",
        "",
        kid,
        credential,
        "",
        "",
        created_at or timezone.now(),
    )


def load_email(number: int) -> str:
    """The e-mail of the load candidate ``number`` (1-based)."""
    return f"load-{number:07d}@{EMAIL_DOMAIN}"


def unique_code(seen: set[str]) -> str:
    """A verification code from :func:`certificates.codes.code_generate`, never one in ``seen``
    (80 random bits make a repeat practically impossible; the unique index would refuse it)."""
    from certificates.codes import code_generate

    while True:
        code = code_generate()
        if code not in seen:
            seen.add(code)
            return code


class SerialAllocator:
    """Serials ``<PREFIX>-<year>-<n>`` continuing each year's ``SerialCounter``; :meth:`save`
    moves the counters on, so certificates issued later never collide with generated ones.

    ``prefix_suffix`` (filler certificates) gives them a prefix of their own, e.g. ``EGOVA``.
    """

    def __init__(self, prefix_suffix: str = "") -> None:
        from django.conf import settings

        from certificates.models import SerialCounter

        self.prefix = settings.CERTIFY_SERIAL_PREFIX + prefix_suffix
        self.own_counters = not prefix_suffix
        self.last = dict(SerialCounter.objects.values_list("year", "last")) if self.own_counters else {}
        self.codes: set[str] = set()

    def next(self, year: int) -> str:
        self.last[year] = self.last.get(year, 0) + 1
        return f"{self.prefix}-{year}-{self.last[year]:06d}"

    def save(self) -> None:
        from certificates.models import SerialCounter

        if not self.own_counters:
            return
        for year, last in self.last.items():
            SerialCounter.objects.update_or_create(year=year, defaults={"last": last})
