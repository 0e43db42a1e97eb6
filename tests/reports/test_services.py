"""Item analysis from the database: the matrix, the cache, per-language figures, the task and signal."""

import pytest
from django.core.cache import cache

from exams.signals import result_final
from reports import receivers, selectors, services
from reports.models import AnalysisScope, ItemAnalysis
from tests.factories import CategoryFactory, ExamFactory, UserFactory, approved_question

from .helpers import exam_with_attempts, final_attempt

pytestmark = pytest.mark.django_db

# The hand-computed matrix of test_analysis.SMALL: attempts A..E, three 1-point items.
SMALL = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]]


@pytest.fixture
def questions():
    category = CategoryFactory()
    return [approved_question(category=category) for _ in range(3)]


def approx(value):
    return pytest.approx(value, abs=5e-5)


def test_exam_analysis_matches_the_hand_computed_figures(questions):
    exam, _attempts = exam_with_attempts(questions, SMALL)
    result = services.exam_item_analysis(exam_id=exam.pk)
    items = {item["question_id"]: item for item in result["items"]}
    assert result["n_attempts"] == 5
    assert [items[q.pk]["facility"] for q in questions] == [approx(0.6), approx(0.6), approx(0.4)]
    # point-biserial is scale-free: percent units give the hand-computed 0.645497, 0, 0.327327
    assert [items[q.pk]["point_biserial"] for q in questions] == [approx(0.645497), approx(0.0), approx(0.327327)]
    assert result["test"]["alpha"] == approx(0.461538)
    # totals are percents: 3/3, 2/3, 2/3, 1/3, 0 -> mean 1.6/3 = 53.3333 %
    assert result["test"]["mean"] == approx(53.333333)
    assert sum(b["count"] for b in result["histogram"]) == 5


def test_distractor_shares_use_option_ids(questions):
    exam, _attempts = exam_with_attempts(questions, SMALL)
    item = next(i for i in services.exam_item_analysis(exam_id=exam.pk)["items"] if i["question_id"] == questions[0].pk)
    by_id = {option["id"]: option for option in item["options"]}
    # three of five chose the key "1", two the distractor "2"
    assert by_id["1"]["key"] is True and by_id["1"]["all"] == approx(0.6)
    assert by_id["2"]["all"] == approx(0.4)
    assert by_id["3"]["all"] == 0.0


def test_time_per_item_comes_from_save_times(questions):
    exam, _attempts = exam_with_attempts(questions, SMALL)
    items = services.exam_item_analysis(exam_id=exam.pk)["items"]
    # helpers save item i at start + 30 s * i: each item took 30 s after the previous save
    assert {item["mean_time"] for item in items} == {30.0}


def test_result_is_cached_until_an_attempt_becomes_final(questions, django_assert_max_num_queries):
    exam, _attempts = exam_with_attempts(questions, SMALL)
    first = services.exam_item_analysis(exam_id=exam.pk)
    with django_assert_max_num_queries(3):
        again = services.exam_item_analysis(exam_id=exam.pk)
    assert again["computed_at"] == first["computed_at"]
    final_attempt(exam=exam, candidate=UserFactory(), questions=questions, scores=[1, 1, 1])
    fresh = services.exam_item_analysis(exam_id=exam.pk)
    assert fresh["n_attempts"] == 6
    assert ItemAnalysis.objects.filter(scope=AnalysisScope.EXAM, exam=exam).count() == 1


def test_first_attempts_only_leaves_retakes_out(questions):
    exam, attempts = exam_with_attempts(questions, SMALL)
    final_attempt(exam=exam, candidate=attempts[4].candidate, questions=questions, scores=[1, 1, 1], number=2)
    assert services.exam_item_analysis(exam_id=exam.pk)["n_attempts"] == 6
    assert services.exam_item_analysis(exam_id=exam.pk, first_attempts_only=True)["n_attempts"] == 5


def test_a_translation_that_behaves_harder_shows_up_per_language(questions):
    # question 1 was presented in Uzbek to A, B, C (all right) and in Russian to D, E (both wrong)
    langs = [["uz", "uz", "uz"]] * 3 + [["ru", "uz", "uz"]] * 2
    exam = ExamFactory()
    for row, row_langs in zip(SMALL, langs, strict=True):
        final_attempt(exam=exam, candidate=UserFactory(), questions=questions, scores=row, languages=row_langs)
    result = services.exam_item_analysis(exam_id=exam.pk)
    [entry] = result["by_language"]
    assert entry["question_ids"] == [questions[0].pk]
    assert entry["languages"]["uz"]["facility"] == approx(1.0)
    assert entry["languages"]["ru"]["facility"] == approx(0.0)
    assert entry["languages"]["uz"]["n"] == 3


def test_question_statistics_across_exams(questions):
    exam_with_attempts(questions, SMALL[:3])
    exam_with_attempts(questions, SMALL[3:])
    stats = selectors.question_statistics(questions[0].pk)
    # across both exams item 1 was right for A, B, C and wrong for D, E: facility 0.6
    assert stats["n"] == 5
    assert stats["facility"] == approx(0.6)
    assert set(stats) >= {"facility", "discrimination", "point_biserial", "flags", "n"}


def test_question_statistics_is_none_for_an_unused_question(questions):
    assert selectors.question_statistics(questions[0].pk) is None


def test_task_refreshes_exam_and_question_statistics(questions):
    from reports.tasks import compute_item_analysis

    exam, _attempts = exam_with_attempts(questions, SMALL)
    outcome = compute_item_analysis.delay(exam.pk).get()
    assert outcome == {"exam_id": exam.pk, "n_attempts": 5, "questions": 3}
    assert ItemAnalysis.objects.filter(scope=AnalysisScope.QUESTION).count() == 3
    # idempotent: running it again changes nothing
    before = list(ItemAnalysis.objects.order_by("pk").values_list("pk", "computed_at"))
    compute_item_analysis.delay(exam.pk).get()
    assert list(ItemAnalysis.objects.order_by("pk").values_list("pk", "computed_at")) == before


def test_result_final_enqueues_at_most_once_per_exam_per_minute(questions, monkeypatch):
    exam, attempts = exam_with_attempts(questions, SMALL)
    cache.delete(receivers.debounce_key(exam.pk))
    calls = []
    from reports import tasks

    monkeypatch.setattr(tasks.compute_item_analysis, "apply_async", lambda args, countdown: calls.append(args))
    for attempt in attempts:
        result_final.send(sender=None, attempt_id=attempt.pk, passed=True)
    assert calls == [(exam.pk,)]
    cache.delete(receivers.debounce_key(exam.pk))


def test_submitting_through_the_exam_engine_produces_statistics(candidate, django_capture_on_commit_callbacks):
    """The real path: start, answer, submit; the signal refreshes the analysis (eager Celery)."""
    from exams.services.attempts import answer_save, attempt_start, attempt_submit
    from tests.answers import correct_response
    from tests.factories import ExamFactory, blueprint

    category = CategoryFactory()
    for _ in range(3):
        approved_question(category=category)
    exam = ExamFactory()
    blueprint(exam, [(category, 3)])
    cache.delete(receivers.debounce_key(exam.pk))
    attempt = attempt_start(exam=exam, candidate=candidate)
    for item in attempt.items.select_related("question_version"):
        answer_save(
            attempt_id=attempt.pk,
            candidate=candidate,
            position=item.position,
            response=correct_response(item.question_version.data),
        )
    with django_capture_on_commit_callbacks(execute=True):
        attempt_submit(attempt_id=attempt.pk, by=candidate)
    row = ItemAnalysis.objects.get(scope=AnalysisScope.EXAM, exam=exam, first_attempts_only=False)
    assert row.n_attempts == 1
    assert all(item["facility"] == 1.0 for item in row.result["items"])
    cache.delete(receivers.debounce_key(exam.pk))
