"""Item analysis (reports.analysis) against hand-computed figures and a published example.

Every expected value is written out with its arithmetic; figures are compared to four decimals.
"""

import math

import numpy as np
import pytest

from reports import analysis

# Five attempts, three 0/1 items (rows A..E), totals 3, 2, 2, 1, 0.
SMALL = np.array(
    [
        [1, 1, 1],  # A  3
        [1, 1, 0],  # B  2
        [1, 0, 1],  # C  2
        [0, 1, 0],  # D  1
        [0, 0, 0],  # E  0
    ],
    dtype=float,
)

# Published worked example: K. L. Wuensch, "The Kuder-Richardson 20", East Carolina University
# (core.ecu.edu/wuenschk/StatHelp/KR20.txt): ten students, ten 0/1 items. The handout prints the
# matrix, each item's p, q and p*q, and the variance of the total scores, 5.84.
WUENSCH = np.array(
    [
        [1, 1, 1, 1, 1, 1, 0, 1, 1, 0],  # A 8
        [1, 0, 1, 1, 0, 1, 1, 1, 0, 1],  # B 7
        [1, 1, 1, 1, 0, 1, 1, 0, 0, 1],  # C 7
        [0, 0, 1, 0, 0, 0, 1, 0, 0, 0],  # D 2
        [0, 0, 0, 0, 0, 1, 0, 0, 1, 0],  # E 2
        [1, 1, 1, 0, 1, 1, 1, 1, 1, 1],  # F 9
        [1, 1, 0, 1, 1, 1, 0, 1, 1, 1],  # G 8
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 1],  # H 9
        [0, 1, 0, 1, 1, 1, 1, 1, 0, 1],  # I 7
        [1, 1, 0, 1, 1, 0, 1, 1, 1, 0],  # J 7
    ],
    dtype=float,
)
WUENSCH_P = [0.7, 0.7, 0.6, 0.7, 0.6, 0.8, 0.7, 0.7, 0.5, 0.6]
WUENSCH_PQ = [0.21, 0.21, 0.24, 0.21, 0.24, 0.16, 0.21, 0.21, 0.25, 0.24]
WUENSCH_TOTAL_VARIANCE = 5.84


def close(actual, expected):
    return actual == pytest.approx(expected, abs=5e-5)


class TestHandComputed:
    def test_facility_is_the_share_of_marks_earned(self):
        # item 1: (1+1+1+0+0)/5 = 0.6; item 2: (1+1+0+1+0)/5 = 0.6; item 3: (1+0+1+0+0)/5 = 0.4
        assert np.allclose(analysis.facility(SMALL), [0.6, 0.6, 0.4])

    def test_facility_with_points_and_items_not_presented(self):
        # 2-point item seen by three attempts earning 2, 1, NaN (not presented), 0: (1 + 0.5 + 0) / 3 = 0.5
        scores = np.array([[2.0], [1.0], [np.nan], [0.0]])
        assert close(analysis.facility(scores, [2.0])[0], 0.5)

    def test_score_summary(self):
        # totals 3, 2, 2, 1, 0: mean 8/5 = 1.6, median 2
        # deviations 1.4, .4, .4, -.6, -1.6; squares 1.96+.16+.16+.36+2.56 = 5.2
        # sample variance 5.2/4 = 1.3, sd = sqrt(1.3) = 1.140175
        # m2 = 5.2/5 = 1.04; cubes 2.744+.064+.064-.216-4.096 = -1.44, m3 = -0.288
        # skewness g1 = -0.288 / 1.04^1.5 = -0.288 / 1.060596 = -0.271545
        summary = analysis.score_summary(SMALL.sum(axis=1))
        assert summary["n"] == 5
        assert close(summary["mean"], 1.6)
        assert close(summary["median"], 2.0)
        assert close(summary["sd"], 1.140175)
        assert close(summary["skewness"], -0.271545)

    def test_kr20_equals_alpha_on_dichotomous_items(self):
        # p = .6, .6, .4 so p*q = .24 each, sum .72; variance of totals (divisor n) 1.04
        # KR-20 = 3/2 * (1 - .72/1.04) = 1.5 * 0.307692 = 0.461538
        assert close(analysis.cronbach_alpha(SMALL), 0.461538)

    def test_standard_error_of_measurement(self):
        # SEM = sd * sqrt(1 - alpha) = sqrt(1.3) * sqrt(1 - 6/13) = sqrt(1.3 * 7/13) = sqrt(0.7) = 0.836660
        assert close(analysis.standard_error_of_measurement(math.sqrt(1.3), 6 / 13), 0.836660)

    def test_corrected_point_biserial_leaves_the_item_out(self):
        # item 1: x = 1,1,1,0,0; rest = T - x = 2,1,1,1,0; dx = .4,.4,.4,-.6,-.6; dy = 1,0,0,0,-1
        #   sum dx*dy = .4 + .6 = 1.0; sum dx^2 = 1.2; sum dy^2 = 2; r = 1/sqrt(2.4) = 0.645497
        # item 2: x = 1,1,0,1,0; rest = 2,1,2,0,0; dy = 1,0,1,-1,-1; sum dx*dy = .4-.6-.4+.6 = 0: r = 0
        # item 3: x = 1,0,1,0,0; rest = 2,2,1,1,0; dx = .6,-.4,.6,-.4,-.4; dy = .8,.8,-.2,-.2,-1.2
        #   sum dx*dy = .48-.32-.12+.08+.48 = .6; sum dy^2 = 2.8; r = .6/sqrt(1.2*2.8) = 0.327327
        r = analysis.point_biserial(SMALL)
        assert close(r[0], 0.645497)
        assert close(r[1], 0.0)
        assert close(r[2], 0.327327)

    def test_discrimination_index_upper_minus_lower_group(self):
        # share 0.4 of 5 attempts = groups of 2: upper A (3) and B (2, before C by row order),
        # lower E (0) and D (1). item 1: 2/2 - 0/2 = 1; item 2: 2/2 - 1/2 = .5; item 3: 1/2 - 0/2 = .5
        d = analysis.discrimination_index(SMALL, SMALL.sum(axis=1), share=0.4)
        assert np.allclose(d, [1.0, 0.5, 0.5])

    def test_groups_are_27_percent_by_default(self):
        # Kelley's 27 % of 100 attempts: 27 in each group
        upper, lower = analysis.groups(np.arange(100, dtype=float))
        assert len(upper) == len(lower) == 27
        assert set(upper) == set(range(73, 100))
        assert set(lower) == set(range(27))

    def test_distractor_shares_and_flag(self):
        # One item, totals 10, 8, 3, 1; the two strongest chose option 1 (wrong), the two weakest
        # the key (option 0). Groups of 2 (share .5): upper A, B; lower C, D.
        scores = np.array([[0.0], [0.0], [1.0], [1.0]])
        chosen = np.zeros((4, 1, 3), dtype=bool)
        chosen[0, 0, 1] = chosen[1, 0, 1] = chosen[2, 0, 0] = chosen[3, 0, 0] = True
        keys = np.array([[True, False, False]])
        result = analysis.analyse(
            scores,
            totals=[10, 8, 3, 1],
            chosen=chosen,
            keys=keys,
            option_counts=[3],
            group_share=0.5,
        )
        options = result["items"][0]["options"]
        # overall: key 2/4 = .5, option 1 2/4 = .5, option 2 0; upper: key 0, option 1 1.0; lower: key 1.0
        assert [o["all"] for o in options] == [0.5, 0.5, 0.0]
        assert [o["upper"] for o in options] == [0.0, 1.0, 0.0]
        assert [o["lower"] for o in options] == [1.0, 0.0, 0.0]
        assert analysis.FLAG_DISTRACTOR in result["items"][0]["flags"]
        # rest = 10, 8, 2, 0 against x = 0, 0, 1, 1: strongly negative
        assert analysis.FLAG_NEGATIVE_DISCRIMINATION in result["items"][0]["flags"]

    def test_flags_thresholds(self):
        assert analysis.item_flags(facility_index=0.95, point_biserial_r=0.3) == [analysis.FLAG_TOO_EASY]
        assert analysis.item_flags(facility_index=0.1, point_biserial_r=0.3) == [analysis.FLAG_TOO_HARD]
        assert analysis.item_flags(facility_index=0.5, point_biserial_r=0.1) == [analysis.FLAG_LOW_DISCRIMINATION]
        assert analysis.item_flags(facility_index=0.5, point_biserial_r=-0.1) == [analysis.FLAG_NEGATIVE_DISCRIMINATION]
        assert analysis.item_flags(facility_index=0.9, point_biserial_r=0.15) == []

    def test_analyse_puts_it_together_and_flags_the_item_that_does_not_discriminate(self):
        result = analysis.analyse(SMALL)
        assert result["n_attempts"] == 5 and result["n_items"] == 3
        assert close(result["test"]["alpha"], 0.461538)
        assert close(result["test"]["sem"], 0.836660)
        assert result["items"][1]["flags"] == [analysis.FLAG_LOW_DISCRIMINATION]
        assert result["items"][0]["flags"] == []

    def test_time_per_item(self):
        # item 1: 30 and 50 s -> mean 40, median 40; item 2: 10, unknown -> 10
        times = np.array([[30.0, 10.0], [50.0, np.nan]])
        result = analysis.analyse(np.array([[1.0, 1.0], [0.0, 1.0]]), times=times)
        assert result["items"][0]["mean_time"] == 40.0
        assert result["items"][1]["median_time"] == 10.0

    def test_random_forms_leave_gaps_out(self):
        # item 2 was presented to attempts 1 and 3 only; its facility is over those two: (1 + 0)/2
        scores = np.array([[1.0, 1.0], [0.0, np.nan], [1.0, 0.0]])
        result = analysis.analyse(scores)
        assert result["items"][1]["n"] == 2
        assert result["items"][1]["facility"] == 0.5

    def test_undefined_statistics_are_none_not_nan(self):
        result = analysis.analyse(np.array([[1.0, 1.0]]))
        assert result["test"]["sd"] is None
        assert result["test"]["alpha"] is None
        assert result["items"][0]["point_biserial"] is None

    def test_wrong_shapes_are_refused(self):
        with pytest.raises(ValueError, match="2-D"):
            analysis.analyse([1, 0, 1])
        with pytest.raises(ValueError, match="totals"):
            analysis.analyse(SMALL, totals=[1, 2])


class TestPublishedExample:
    """Wuensch's KR-20 handout (East Carolina University): p-values, p*q and the variance of the
    totals as printed; KR-20 from those printed components = 10/9 * (1 - 2.18/5.84) = 0.696347."""

    def test_p_values_match_the_handout(self):
        assert np.allclose(analysis.facility(WUENSCH), WUENSCH_P, atol=5e-5)

    def test_item_variances_are_p_times_q(self):
        assert np.allclose(WUENSCH.var(axis=0), WUENSCH_PQ, atol=5e-5)

    def test_variance_of_totals_matches_the_handout(self):
        assert close(float(WUENSCH.sum(axis=1).var()), WUENSCH_TOTAL_VARIANCE)

    def test_kr20_matches_the_published_components(self):
        expected = 10 / 9 * (1 - sum(WUENSCH_PQ) / WUENSCH_TOTAL_VARIANCE)  # 0.696347
        assert close(expected, 0.696347)
        assert close(analysis.cronbach_alpha(WUENSCH), expected)
        assert close(analysis.analyse(WUENSCH)["test"]["alpha"], 0.696347)


def test_histogram_bins_percent_scores():
    bins = analysis.histogram([0, 5, 10, 55, 100, 100], bins=10)
    assert [b["count"] for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bins[-1] == {"low": 90.0, "high": 100.0, "count": 2}
