"""The SVG chart geometry (pure functions)."""

from reports import charts


def test_bars_are_proportional_to_values_and_share_a_baseline():
    chart = charts.bar_chart(["a", "b", "c"], [10, 5, None], width=340, height=136)
    heights = [bar["h"] for bar in chart["bars"]]
    # plot height 136 - 36 - 10 = 90: 10 -> 90, 5 -> 45, None -> no bar
    assert heights == [90.0, 45.0, 0.0]
    assert {bar["y"] + bar["h"] for bar in chart["bars"]} == {chart["baseline"]}


def test_line_chart_skips_missing_points_and_scales_to_top():
    chart = charts.line_chart(["Q1", "Q2"], {"Org A": [100, None], "Org B": [50, 0]}, height=136, top=100)
    org_a, org_b = chart["lines"]
    assert len(org_a["dots"]) == 1 and org_a["dots"][0]["y"] == 10.0  # 100 % at the top of the plot
    assert [dot["y"] for dot in org_b["dots"]] == [55.0, 100.0]  # 50 % halfway, 0 % on the baseline
