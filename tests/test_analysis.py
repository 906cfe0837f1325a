"""The shared plumbing of the analysis modules (cmalt_qa._analysis) and the shared
Kaplan-Meier reading options (cmalt_qa._stats)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cmalt_qa import _analysis as an
from cmalt_qa import _stats


def test_check_by_names_unknown_and_available_columns():
    assert an.check_by("year", ["year", "window"]) == ("year",)
    assert an.check_by(("window", "year"), ["year", "window"]) == ("window", "year")
    with pytest.raises(
        ValueError, match=r"cannot group by \['nope'\].*available: \['window', 'year'\]"
    ):
        an.check_by(["year", "nope"], ["year", "window", "year"])


def test_groups_keep_missing_keys_and_one_group_without_by():
    df = pd.DataFrame({"sector": ["HE", None, "HE", "FE"], "v": [1, 2, 3, 4]})
    keys = [k for k, _ in an.groups(df, ("sector",))]
    assert keys[:2] == [("FE",), ("HE",)] and len(keys) == 3 and pd.isna(keys[2][0])
    [(key, whole)] = list(an.groups(df, ()))
    assert key == () and whole is df


def test_submission_types_checked_unless_asked_not_to():
    df = pd.DataFrame({"submission_type": ["first", "review", "first"]})
    assert len(an.filter_types(df, "first")) == 2  # a string is one kind, not letters
    assert an.filter_types(df, None) is df
    with pytest.raises(ValueError, match="unknown submission type"):
        an.filter_types(df, ("frist",))


def test_as_of_parsing_strict_and_lenient():
    assert an.parse_date("2024-03-05") == pd.Timestamp("2024-03-05")
    assert an.parse_date(dt.datetime(2024, 3, 5, 14, 0)) == pd.Timestamp("2024-03-05")
    with pytest.raises(ValueError, match="ISO date"):
        an.parse_date("2024/03/05")
    with pytest.raises(TypeError, match="required"):
        an.parse_date(None)
    with pytest.raises(ValueError, match="must be a date"):
        an.parse_date(pd.NaT)
    subs = pd.DataFrame(
        {
            "submitted_on": pd.to_datetime(["2024-01-02", None]),
            "result_on": pd.to_datetime([None, "2024-04-09 10:00"]),
        }
    )
    assert an.resolve_as_of(subs, None) == pd.Timestamp("2024-04-09")
    with pytest.raises(ValueError, match="no dated submissions"):
        an.latest_date(subs.iloc[:0])


def test_check_records_and_intervals():
    with pytest.raises(TypeError, match="Records"):
        an.check_records(pd.DataFrame())
    with pytest.raises(ValueError, match="ci"):
        an.check_ci(1.0)
    with pytest.raises(ValueError, match="n_boot"):
        an.check_n_boot(0)


def test_km_at_beyond_follow_up_nan_or_carried_as_scipy():
    t = np.array([3.0, 5.0, 5.0, 8.0, 12.0])
    e = np.array([True, True, False, True, False])
    fit = _stats.km_fit(t, e)
    sf = stats.ecdf(stats.CensoredData(uncensored=t[e], right=t[~e])).sf
    assert np.isnan(_stats.km_at(fit, 20.0)[0])
    for h in (-1.0, 0.0, 3.0, 4.0, 5.0, 8.0, 12.0, 20.0):
        assert _stats.km_at(fit, h, beyond="last")[0] == pytest.approx(sf.evaluate(h))
    with pytest.raises(ValueError, match="beyond"):
        _stats.km_at(fit, 1.0, beyond="carry")


def test_km_fit_degenerate_limits_sf_or_nan():
    t, e = np.array([10.0, 20.0]), np.array([True, True])  # S: 1/2 at 10, 0 at 20
    lifelines_like = _stats.km_quantile(_stats.km_fit(t, e), 0.5)
    undefined = _stats.km_quantile(_stats.km_fit(t, e, degenerate="nan"), 0.5)
    assert lifelines_like[0] == undefined[0] == 10.0
    assert lifelines_like[2] == 20.0 and np.isnan(undefined[2])
    with pytest.raises(ValueError, match="degenerate"):
        _stats.km_fit(t, e, degenerate="zero")
