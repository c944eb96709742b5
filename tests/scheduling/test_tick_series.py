"""TickSeries: the queries between two ticks become one row with the tick's work and residency."""

from __future__ import annotations

import pytest

from memos_lab.scheduling.series import TickReport, TickSeries


def test_each_tick_closes_the_window_of_queries_before_it():
    series = TickSeries()
    series.observe((0, 0), (2, 30), answer_s=0.4, ttft_s=0.1)
    series.observe((1, 10), (2, 30), answer_s=0.2, ttft_s=0.3)
    first = series.close(TickReport(seconds=0.5, promotions=2, prefill_tokens=30), 40, 1000, None)
    series.observe((0, 0), (0, 0))  # nothing retrieved, not timed
    second = series.close(TickReport(evictions=1), 25, 1000, 1)
    assert first["tick"] == 1 and first["queries"] == 2 and first["kv_resident_bytes"] == 40_000
    assert (first["kv_hit_cubes"], first["kv_miss_cubes"], first["kv_hit_rate_cubes"]) == (1, 3, 0.25)
    assert (first["kv_hit_tokens"], first["kv_miss_tokens"]) == (10, 50)
    assert first["kv_hit_rate_tokens"] == pytest.approx(10 / 60)
    assert first["answer_s_mean"] == pytest.approx(0.3) and first["ttft_s_mean"] == pytest.approx(0.2)
    assert first["tick_s"] == 0.5 and first["promotions"] == 2 and first["prefill_tokens"] == 30
    assert second["tick"] == 2 and second["queries"] == 3 and second["adapters_loaded"] == 1
    assert second["kv_hit_rate_cubes"] is None and second["answer_s_mean"] is None and second["evictions"] == 1
    assert series.rows == [first, second]
