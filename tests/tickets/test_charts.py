"""The reports' inline SVG charts and durations (tickets.charts)."""
import re

import pytest
from django.utils import translation

from tickets.charts import Series, bar_chart, duration_text, nice_ceiling


def _chart(**overrides):
    options = dict(
        title="Tickets <per> day", description="what came in", categories=["01.03", "02.03", "03.03"],
        series=[Series("in", [4, 0, None], "s1"), Series("auto", [1, 0, 2], "s2")], x_label="Day", y_label="Tickets",
    )
    return bar_chart(**{**options, **overrides})


def test_chart_is_labelled_and_escaped():
    svg = str(_chart())
    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="')
    ids = re.search(r'aria-labelledby="([^ ]+) ([^"]+)"', svg).groups()
    assert f'<title id="{ids[0]}">Tickets &lt;per&gt; day</title>' in svg and f'<desc id="{ids[1]}">what came in</desc>' in svg
    assert ">Day</text>" in svg and ">Tickets</text>" in svg
    assert "<script" not in svg and "style=" not in svg


def test_a_missing_value_draws_no_bar_and_zero_draws_a_flat_one():
    svg = str(_chart())
    bars = re.findall(r'<rect class="chart-bar (s\d)"[^>]*height="([\d.]+)"><title>([^<]+)</title>', svg)
    assert len(bars) == 5  # six values, one None
    assert ("s1", "0.0", "02.03: in 0") in bars
    assert not any(title.startswith("03.03: in") for _, _, title in bars)
    tallest = max(float(height) for _, height, _ in bars)
    assert ("s1", f"{tallest:.1f}", "01.03: in 4") in bars  # 4 of an axis up to 4: the whole plot height


def test_y_axis_has_four_round_steps():
    svg = str(_chart(series=[Series("in", [6, 3, 1])]))
    ticks = re.findall(r'<text class="tick" x="\d+" y="[\d.]+" text-anchor="end">([^<]+)</text>', svg)
    assert ticks == ["0", "2", "4", "6", "8"]


def test_many_categories_show_at_most_max_labels():
    days = [f"{d:02d}.03" for d in range(1, 31)]
    svg = str(_chart(categories=days, series=[Series("in", list(range(30)))], max_labels=10))
    assert len(re.findall(r'text-anchor="middle">\d\d\.03<', svg)) == 10


@pytest.mark.parametrize("value, expected", [(0, 1.0), (0.3, 0.5), (1, 1), (1.5, 2), (2.2, 2.5), (7, 10), (27.75, 50), (300, 500)])
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == pytest.approx(expected)


def test_duration_text_in_both_languages():
    with translation.override("en"):
        assert [duration_text(s) for s in (None, 45, 1800, 5520, 93600)] == ["—", "45 s", "30 min", "1 h 32 min", "1 d 2 h"]
    with translation.override("ru"):
        assert duration_text(5520) == "1 ч 32 мин"
