"""Item analysis in classical test theory: pure NumPy, no ORM, no Django.

Input shapes (``n`` attempts, ``k`` items, ``m`` options at most):

- ``scores``: float array ``(n, k)``, points (or fractions) earned per attempt and item,
  ``NaN`` where the item was not presented to that attempt (random forms);
- ``max_scores``: the most an item could earn, ``(k,)`` or per cell ``(n, k)``; default 1
  (``scores`` are then fractions in [0, 1]);
- ``totals``: float ``(n,)``, each attempt's total score; default the row sums of ``scores``;
- ``chosen``: bool ``(n, k, m)``, whether the attempt chose option ``o`` of item ``i``
  (choice items only; False where not presented), with ``keys``: bool ``(k, m)`` marking the
  options that earn credit and ``option_counts``: int ``(k,)`` (0 for an item that is not a
  choice item);
- ``times``: float ``(n, k)``, seconds spent on each item, ``NaN`` where unknown.

Every statistic of an item is computed over the attempts that were presented with it; a
statistic that is undefined (fewer than two attempts, no variance) is ``None`` in the result.
The result is a plain JSON-able ``dict`` (see :func:`analyse`) so it can be cached as it is.

Sources of the formulas, named again at each function:

- Moodle Docs, "Quiz statistics calculations" (developer documentation of
  ``mod/quiz/report/statistics``): facility index, the corrected item–rest correlation that
  Moodle calls the discrimination index, the coefficient of internal consistency and the
  standard error, the score distribution's skewness;
- Kuder, G. F. & Richardson, M. W. (1937), "The theory of the estimation of test
  reliability", Psychometrika 2(3), 151–160: KR-20;
- Cronbach, L. J. (1951), "Coefficient alpha and the internal structure of tests",
  Psychometrika 16(3), 297–334: alpha;
- Kelley, T. L. (1939), "The selection of upper and lower groups for the validation of test
  items", Journal of Educational Psychology 30(1), 17–24: the upper and lower 27 %.
"""

from __future__ import annotations

import math

import numpy as np

# Flag thresholds (the issue's, after common practice in item review, e.g. Varma 2006 for 0.15).
TOO_EASY = 0.9
TOO_HARD = 0.2
LOW_DISCRIMINATION = 0.15
GROUP_SHARE = 0.27  # Kelley (1939)

FLAG_TOO_EASY = "too_easy"
FLAG_TOO_HARD = "too_hard"
FLAG_LOW_DISCRIMINATION = "low_discrimination"
FLAG_NEGATIVE_DISCRIMINATION = "negative_discrimination"
FLAG_DISTRACTOR = "distractor_beats_key"
FLAGS = (FLAG_TOO_EASY, FLAG_TOO_HARD, FLAG_LOW_DISCRIMINATION, FLAG_NEGATIVE_DISCRIMINATION, FLAG_DISTRACTOR)


def _number(value) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _as_matrix(scores) -> np.ndarray:
    matrix = np.asarray(scores, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"scores must be a 2-D array (attempts x items), not shape {matrix.shape}")
    return matrix


def fractions_of(scores, max_scores=None) -> np.ndarray:
    """``scores / max_scores`` as floats, ``(n, k)``; NaN stays NaN, a zero maximum gives NaN."""
    matrix = _as_matrix(scores)
    if max_scores is None:
        return matrix.copy()
    maximum = np.broadcast_to(np.asarray(max_scores, dtype=float), matrix.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(maximum > 0, matrix / np.where(maximum > 0, maximum, 1.0), np.nan)


def facility(scores, max_scores=None) -> np.ndarray:
    """Facility index per item, ``(k,)`` floats in [0, 1] (NaN for an item nobody saw).

    F_i = mean over the attempts presented with item i of x_i / x_i(max): the mean share
    of the item's marks earned (Moodle Docs, "Quiz statistics calculations": facility index;
    for 0/1 items it is the p-value, the proportion answering correctly).
    """
    share = fractions_of(scores, max_scores)
    presented = ~np.isnan(share)
    counts = presented.sum(axis=0)
    sums = np.where(presented, share, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def score_summary(totals) -> dict:
    """Mean, median, standard deviation and skewness of the total scores.

    ``sd`` is the sample standard deviation (divisor n − 1), as Moodle reports it;
    ``skewness`` is the Fisher–Pearson coefficient g1 = m3 / m2^(3/2) with the central
    moments m_r = Σ(x − mean)^r / n (Moodle Docs, "Quiz statistics calculations": score
    distribution skewness). Returns ``{"n", "mean", "median", "sd", "skewness"}``; undefined
    values are None (sd needs two totals, skewness a non-zero variance).
    """
    values = np.asarray(totals, dtype=float)
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "sd": None, "skewness": None}
    mean = float(values.mean())
    deviations = values - mean
    m2 = float(np.mean(deviations**2))
    m3 = float(np.mean(deviations**3))
    return {
        "n": n,
        "mean": mean,
        "median": float(np.median(values)),
        "sd": _number(math.sqrt(m2 * n / (n - 1))) if n > 1 else None,
        "skewness": _number(m3 / m2**1.5) if m2 > 0 else None,
    }


def cronbach_alpha(scores) -> float | None:
    """Cronbach's alpha (KR-20 when every item is scored 0 or 1) of a complete matrix.

    alpha = k / (k − 1) · (1 − Σ_i s²_i / s²_T), with s²_i the variance of item i and s²_T
    the variance of the totals (Cronbach 1951, equation 2). With 0/1 items s²_i = p_i·q_i
    (population variances) and the formula is Kuder & Richardson's (1937) formula 20; the
    divisor of the variances (n or n − 1) cancels in the ratio. Moodle reports it as the
    coefficient of internal consistency. Rows with a NaN are left out (the formula needs
    every item answered by every attempt). None when fewer than two items or two complete
    rows remain, or the totals do not vary.
    """
    matrix = _as_matrix(scores)
    matrix = matrix[~np.isnan(matrix).any(axis=1)]
    n, k = matrix.shape
    if k < 2 or n < 2:
        return None
    total_variance = float(matrix.sum(axis=1).var())
    if total_variance <= 0:
        return None
    item_variances = float(matrix.var(axis=0).sum())
    return k / (k - 1) * (1 - item_variances / total_variance)


def standard_error_of_measurement(sd: float | None, reliability: float | None) -> float | None:
    """SEM = SD · √(1 − reliability), in the units of the totals (Moodle Docs, "Quiz
    statistics calculations": standard error). None when either is unknown or reliability > 1."""
    if sd is None or reliability is None or reliability > 1:
        return None
    return sd * math.sqrt(max(0.0, 1.0 - reliability))


def groups(totals, share: float = GROUP_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the upper and lower groups: the ``share`` (27 %, Kelley 1939) of the
    attempts with the highest and the lowest totals.

    The group size is round(share · n), at least 1 and at most n // 2 so the groups never
    overlap. Ties at a boundary are broken by row order (the earlier row ranks higher in
    both orderings), so the result is reproducible.
    """
    values = np.asarray(totals, dtype=float)
    n = values.size
    size = min(max(1, round(share * n)), n // 2)
    if size == 0:
        empty = np.array([], dtype=int)
        return empty, empty
    descending = np.argsort(-values, kind="stable")
    ascending = np.argsort(values, kind="stable")
    return descending[:size], ascending[:size]


def discrimination_index(scores, totals, max_scores=None, share: float = GROUP_SHARE) -> np.ndarray:
    """Upper–lower discrimination index per item, ``(k,)`` in [−1, 1] (NaN if undefined).

    D_i = mean share of item i's marks in the upper group − the same in the lower group,
    the groups being the 27 % of attempts with the highest and lowest totals (Kelley 1939).
    For 0/1 items it is p_upper − p_lower. Within a group the mean is over the attempts that
    were presented with the item.
    """
    share_matrix = fractions_of(scores, max_scores)
    upper, lower = groups(totals, share)
    if upper.size == 0:
        return np.full(share_matrix.shape[1], np.nan)
    return _nanmean_columns(share_matrix[upper]) - _nanmean_columns(share_matrix[lower])


def _nanmean_columns(matrix: np.ndarray) -> np.ndarray:
    presented = ~np.isnan(matrix)
    counts = presented.sum(axis=0)
    sums = np.where(presented, matrix, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def point_biserial(scores, totals=None, *, corrected: bool = True) -> np.ndarray:
    """Item–total correlation per item, ``(k,)`` (NaN where undefined).

    Pearson's r between the item score x_i and, when ``corrected``, the rest of the test
    T − x_i (the item left out of the total, so it does not correlate with itself), over the
    attempts presented with the item:
    r_i = C(x_i, T − x_i) / √(V(x_i) · V(T − x_i)) — Moodle Docs, "Quiz statistics
    calculations", discrimination index; with 0/1 items it is the corrected point-biserial
    correlation. ``corrected=False`` correlates with T itself.
    """
    matrix = _as_matrix(scores)
    presented = ~np.isnan(matrix)
    x = np.where(presented, matrix, 0.0)
    if totals is None:
        totals = x.sum(axis=1)
    total = np.asarray(totals, dtype=float)[:, None]
    y = total - x if corrected else np.broadcast_to(total, x.shape)
    counts = presented.sum(axis=0)
    safe = np.maximum(counts, 1)
    mean_x = x.sum(axis=0) / safe
    mean_y = np.where(presented, y, 0.0).sum(axis=0) / safe
    dx = np.where(presented, x - mean_x, 0.0)
    dy = np.where(presented, y - mean_y, 0.0)
    covariance = (dx * dy).sum(axis=0)
    spread = (dx * dx).sum(axis=0) * (dy * dy).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = covariance / np.sqrt(spread)
    return np.where((counts >= 2) & (spread > 0), r, np.nan)


def distractor_shares(chosen, presented, upper, lower) -> dict[str, np.ndarray]:
    """Share of attempts choosing each option, overall and in the upper and lower groups.

    ``chosen`` bool ``(n, k, m)``; ``presented`` bool ``(n, k)``; ``upper``/``lower`` row
    indices (:func:`groups`). Returns ``{"all", "upper", "lower"}``, each float ``(k, m)``:
    (attempts in the group presented with item i who chose option o) / (attempts in the
    group presented with item i); NaN when nobody in the group saw the item. A blank answer
    chooses nothing, so an item's shares can add up to less than 1.
    """
    chosen = np.asarray(chosen, dtype=bool)
    presented = np.asarray(presented, dtype=bool)
    result = {}
    for name, rows in (("all", slice(None)), ("upper", upper), ("lower", lower)):
        seen = presented[rows].sum(axis=0).astype(float)  # (k,)
        picks = (chosen[rows] & presented[rows][:, :, None]).sum(axis=0).astype(float)  # (k, m)
        with np.errstate(divide="ignore", invalid="ignore"):
            result[name] = np.where(seen[:, None] > 0, picks / np.maximum(seen, 1)[:, None], np.nan)
    return result


def item_flags(
    *,
    facility_index: float | None,
    point_biserial_r: float | None,
    distractor_beats_key: bool = False,
) -> list[str]:
    """The flags of one item: too easy (F > 0.9), too hard (F < 0.2), discriminating badly
    (0 <= r < 0.15) or negatively (r < 0), a distractor that attracts more of the upper
    group than the key. Unknown statistics raise no flag."""
    flags = []
    if facility_index is not None:
        if facility_index > TOO_EASY:
            flags.append(FLAG_TOO_EASY)
        elif facility_index < TOO_HARD:
            flags.append(FLAG_TOO_HARD)
    if point_biserial_r is not None:
        if point_biserial_r < 0:
            flags.append(FLAG_NEGATIVE_DISCRIMINATION)
        elif point_biserial_r < LOW_DISCRIMINATION:
            flags.append(FLAG_LOW_DISCRIMINATION)
    if distractor_beats_key:
        flags.append(FLAG_DISTRACTOR)
    return flags


def analyse(
    scores,
    *,
    max_scores=None,
    totals=None,
    reliability_scores=None,
    chosen=None,
    keys=None,
    option_counts=None,
    times=None,
    group_share: float = GROUP_SHARE,
    min_attempts_for_flags: int = 1,
) -> dict:
    """The whole item analysis of one matrix; a JSON-able dict.

    Arguments as in the module docstring. ``reliability_scores`` is the complete matrix on
    which alpha is computed when ``scores`` has gaps (random forms: Moodle computes it per
    slot, i.e. per position in the attempt); without it alpha uses ``scores`` (rows with a
    NaN left out). Items seen by fewer than ``min_attempts_for_flags`` attempts get no flags.

    Returns::

        {"n_attempts": int, "n_items": int,
         "test": {"n", "mean", "median", "sd", "skewness", "alpha", "sem", "reliability_items"},
         "items": [{"index", "n", "facility", "discrimination", "point_biserial",
                    "item_total", "mean_time", "median_time", "flags",
                    "options": [{"index", "key", "all", "upper", "lower"}] | None}, ...]}

    ``mean``/``median``/``sd``/``sem`` are in the units of ``totals``; times in seconds.
    Raises ``ValueError`` for arrays of the wrong shape.
    """
    matrix = _as_matrix(scores)
    n, k = matrix.shape
    presented = ~np.isnan(matrix)
    if totals is None:
        totals = np.where(presented, matrix, 0.0).sum(axis=1)
    totals = np.asarray(totals, dtype=float)
    if totals.shape != (n,):
        raise ValueError(f"totals must have shape ({n},), not {totals.shape}")

    facilities = facility(matrix, max_scores)
    discrimination = discrimination_index(matrix, totals, max_scores, group_share)
    corrected = point_biserial(matrix, totals, corrected=True)
    uncorrected = point_biserial(matrix, totals, corrected=False)
    counts = presented.sum(axis=0)

    summary = score_summary(totals)
    reliability_matrix = matrix if reliability_scores is None else _as_matrix(reliability_scores)
    alpha = cronbach_alpha(reliability_matrix)
    test = {
        **summary,
        "alpha": _number(alpha),
        "sem": _number(standard_error_of_measurement(summary["sd"], alpha)),
        "reliability_items": int(reliability_matrix.shape[1]),
    }

    mean_time = median_time = None
    if times is not None:
        time_matrix = _as_matrix(times)
        if time_matrix.shape != matrix.shape:
            raise ValueError(f"times must have shape {matrix.shape}, not {time_matrix.shape}")
        known = ~np.isnan(time_matrix)
        mean_time = _nanmean_columns(time_matrix)
        median_time = np.full(k, np.nan)
        for column in np.flatnonzero(known.any(axis=0)):
            median_time[column] = float(np.median(time_matrix[known[:, column], column]))

    shares = None
    if chosen is not None:
        chosen = np.asarray(chosen, dtype=bool)
        if chosen.ndim != 3 or chosen.shape[:2] != (n, k):
            raise ValueError(f"chosen must have shape ({n}, {k}, m), not {chosen.shape}")
        keys = np.asarray(keys, dtype=bool)
        option_counts = np.asarray(option_counts, dtype=int)
        upper, lower = groups(totals, group_share)
        shares = distractor_shares(chosen, presented, upper, lower)

    items = []
    for i in range(k):
        options = None
        beats_key = False
        if shares is not None and option_counts[i] > 0:
            m = int(option_counts[i])
            options = [
                {
                    "index": o,
                    "key": bool(keys[i, o]),
                    "all": _number(shares["all"][i, o]),
                    "upper": _number(shares["upper"][i, o]),
                    "lower": _number(shares["lower"][i, o]),
                }
                for o in range(m)
            ]
            key_upper = [opt["upper"] for opt in options if opt["key"] and opt["upper"] is not None]
            other_upper = [opt["upper"] for opt in options if not opt["key"] and opt["upper"] is not None]
            # Compared with the key the upper group chose most: a distractor that beats even it
            # draws strong candidates away (for single choice there is one key).
            beats_key = bool(key_upper and other_upper and max(other_upper) > max(key_upper))
        item = {
            "index": i,
            "n": int(counts[i]),
            "facility": _number(facilities[i]),
            "discrimination": _number(discrimination[i]),
            "point_biserial": _number(corrected[i]),
            "item_total": _number(uncorrected[i]),
            "mean_time": _number(mean_time[i]) if mean_time is not None else None,
            "median_time": _number(median_time[i]) if median_time is not None else None,
            "options": options,
        }
        item["flags"] = (
            item_flags(
                facility_index=item["facility"],
                point_biserial_r=item["point_biserial"],
                distractor_beats_key=beats_key,
            )
            if item["n"] >= max(1, min_attempts_for_flags)
            else []
        )
        items.append(item)
    return {"n_attempts": int(n), "n_items": int(k), "test": test, "items": items}


def histogram(values, *, bins: int = 10, low: float = 0.0, high: float = 100.0) -> list[dict]:
    """Counts of ``values`` in ``bins`` equal bins over [low, high] (the last bin closed):
    ``[{"low", "high", "count"}]``. Values outside the range are clipped into the end bins."""
    data = np.clip(np.asarray(values, dtype=float), low, high)
    data = data[~np.isnan(data)]
    counts, edges = np.histogram(data, bins=bins, range=(low, high))
    return [{"low": float(edges[i]), "high": float(edges[i + 1]), "count": int(counts[i])} for i in range(len(counts))]
