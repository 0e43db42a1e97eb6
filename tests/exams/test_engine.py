"""The pure engine: drawing forms, timing and scoring, without a database."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from exams.engine import draw, scoring, timing


def rule(rule_id, pool, count, section=1):
    return draw.RulePool(rule_id=rule_id, section_id=section, section_position=section, count=count, pool=pool)


class TestDraw:
    def test_the_same_seed_gives_the_same_form_and_another_seed_another(self):
        rules = [rule(1, range(1, 101), 10), rule(2, range(101, 201), 10, section=2)]
        first = draw.draw_form(rules=rules, seed=42)
        assert first == draw.draw_form(rules=rules, seed=42)
        assert [p.question_id for p in first] != [p.question_id for p in draw.draw_form(rules=rules, seed=43)]

    def test_no_question_twice_when_rules_overlap(self):
        rules = [rule(1, range(1, 11), 6), rule(2, range(5, 15), 6)]
        for seed in range(200):
            ids = [p.question_id for p in draw.draw_form(rules=rules, seed=seed)]
            assert len(ids) == len(set(ids)) == 12

    def test_a_broad_rule_does_not_starve_a_narrow_one(self):
        """Rule 1 may take any of 1..4; rule 2 only 1..2. A greedy draw can fail; ours must not."""
        rules = [rule(1, [1, 2, 3, 4], 2), rule(2, [1, 2], 2)]
        for seed in range(200):
            form = draw.draw_form(rules=rules, seed=seed)
            assert sorted(p.question_id for p in form if p.rule_id == 2) == [1, 2]

    def test_an_unfillable_blueprint_names_the_rule_that_falls_short(self):
        with pytest.raises(draw.PoolTooSmall) as error:
            draw.draw_form(rules=[rule(1, [1, 2, 3], 2), rule(7, [1, 2, 3], 2)], seed=1)
        assert error.value.shortfalls == {7: 1} or error.value.shortfalls == {1: 1}

    def test_a_retake_avoids_seen_questions_while_the_pool_allows(self):
        rules = [rule(1, range(1, 21), 10)]
        seen = frozenset(range(1, 11))
        for seed in range(50):
            assert {p.question_id for p in draw.draw_form(rules=rules, seed=seed, seen=seen)} == set(range(11, 21))
        # A pool too small for fresh questions only falls back to seen ones.
        form = draw.draw_form(rules=[rule(1, range(1, 13), 10)], seed=5, seen=seen)
        assert {11, 12} <= {p.question_id for p in form}

    def test_sections_stay_in_blueprint_order_and_items_shuffle_within(self):
        rules = [rule(1, range(1, 51), 5, section=1), rule(2, range(51, 101), 5, section=2)]
        form = draw.draw_form(rules=rules, seed=9)
        assert [p.section_id for p in form] == [1] * 5 + [2] * 5
        unshuffled = draw.draw_form(rules=rules, seed=9, shuffle_items=False)
        assert [p.section_id for p in unshuffled] == [1] * 5 + [2] * 5

    def test_option_order_is_a_permutation_and_ordering_is_never_shown_solved(self):
        question = {"qtype": "single_choice", "choices": [{"id": str(i)} for i in range(1, 6)]}
        order = draw.option_order(question=question, rng=random.Random(1), shuffle_options=True)
        assert sorted(order) == ["1", "2", "3", "4", "5"]
        fixed = draw.option_order(question=question, rng=random.Random(1), shuffle_options=False)
        assert fixed == ["1", "2", "3", "4", "5"]
        ordering = {"qtype": "ordering", "items": [{"id": "a"}, {"id": "b"}]}
        for seed in range(30):
            assert draw.option_order(question=ordering, rng=random.Random(seed), shuffle_options=False) == ["b", "a"]


class TestTiming:
    def test_the_close_time_caps_the_deadline(self):
        """Closes 12:00, 30-minute limit, started 11:40: deadline 12:00, the timer shows 20:00."""
        start = datetime(2026, 3, 5, 11, 40, tzinfo=UTC)
        closes = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
        deadline = timing.deadline_for(started_at=start, time_limit=timedelta(minutes=30), closes_at=closes)
        assert deadline == closes
        assert timing.format_clock(timing.seconds_left(now=start, deadline_at=deadline)) == "20:00"

    def test_extra_time_extends_and_no_close_time_means_the_full_limit(self):
        start = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
        deadline = timing.deadline_for(
            started_at=start, time_limit=timedelta(minutes=30), closes_at=None, extra_time=timedelta(minutes=15)
        )
        assert deadline == start + timedelta(minutes=45)

    def test_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError, match="aware"):
            timing.deadline_for(started_at=datetime(2026, 1, 1), time_limit=timedelta(minutes=1), closes_at=None)

    def test_a_save_is_allowed_until_deadline_plus_grace_and_not_after(self):
        deadline = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
        grace = timedelta(seconds=30)
        assert timing.save_allowed(now=deadline + timedelta(seconds=30), deadline_at=deadline, grace=grace)
        assert not timing.save_allowed(now=deadline + timedelta(seconds=31), deadline_at=deadline, grace=grace)

    def test_clock_format(self):
        assert timing.format_clock(0) == "00:00"
        assert timing.format_clock(59) == "00:59"
        assert timing.format_clock(3661) == "1:01:01"


class TestScoring:
    def test_26_of_29_at_a_90_percent_cut_is_a_fail_shown_as_89_66(self):
        items = [scoring.item_score(points=Decimal(1), fraction=Decimal(1 if i < 26 else 0)) for i in range(29)]
        total = scoring.attempt_score((Decimal(1), score) for _fraction, score in items)
        assert total.score == 26 and total.max_score == 29
        assert not scoring.passes(percent=total.percent, cut_score=Decimal(90))
        assert scoring.display_percent(percent=total.percent, cut_score=Decimal(90)) == Decimal("89.66")

    def test_three_items_of_a_third_of_a_point_all_right_is_exactly_100_percent(self):
        third = Decimal("0.333")
        items = [(third, scoring.item_score(points=third, fraction=Decimal(1))[1]) for _ in range(3)]
        total = scoring.attempt_score(items)
        assert total.percent == Decimal(100)
        assert scoring.passes(percent=total.percent, cut_score=Decimal(100))

    def test_a_failing_percent_is_never_displayed_as_reaching_the_cut(self):
        assert scoring.display_percent(percent=Decimal("89.996"), cut_score=Decimal(90)) == Decimal("89.99")
        assert scoring.display_percent(percent=Decimal("89.996")) == Decimal("90.00")

    def test_the_percent_is_truncated_never_rounded_up(self):
        total = scoring.attempt_score([(Decimal(3), Decimal(2))])
        assert total.percent == Decimal("66.66666666")

    def test_fractions_are_clamped_and_an_empty_attempt_scores_zero(self):
        assert scoring.item_score(points=Decimal(2), fraction=Decimal("1.5")) == (Decimal(1), Decimal(2))
        assert scoring.item_score(points=Decimal(2), fraction=Decimal("-0.5"))[1] == 0
        assert scoring.attempt_score([]).percent == 0
