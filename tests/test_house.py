"""House rules over the whole package, checked on every run.

* A function is readable in one sitting: at most 80 code lines (blank lines and
  docstrings not counted; ``tools/function_sizes.py`` lists the longest).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sizes_tool():
    spec = importlib.util.spec_from_file_location(
        "function_sizes", ROOT / "tools/function_sizes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_function_is_at_most_80_code_lines():
    tool = _sizes_tool()
    over = [f"{name}: {n}" for name, n in tool.package_sizes() if n > tool.LIMIT]
    assert over == [], "functions over 80 code lines (split them): " + ", ".join(over)


def test_the_counter_skips_blank_lines_and_docstrings(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(
        'def f():\n    """Doc\n\n    more doc.\n    """\n\n    x = 1  # a comment\n'
        "    # a comment line counts\n\n    def g():\n        '''Inner doc.'''\n"
        "        return x\n\n    return g\n"
    )
    assert dict(_sizes_tool().function_sizes(f)) == {"f": 6, "f.g": 2}


def test_each_rules_name_means_one_thing_and_the_former_names_still_answer():
    import pytest

    from cmalt_qa import assessors, forms, records

    assert {"lead_inexperienced"} <= set(assessors.PAIRING_RULES)
    assert "not_a_form" in forms.FORM_RULES and "unknown_code" in records.QUARANTINE_RULES
    for module, new in (
        (records, "QUARANTINE_RULES"),
        (assessors, "PAIRING_RULES"),
        (forms, "FORM_RULES"),
    ):
        assert "RULES" not in module.__all__
        with pytest.warns(DeprecationWarning, match=new):
            assert module.RULES is getattr(module, new)
        with pytest.raises(AttributeError):
            module.NO_SUCH_NAME  # noqa: B018


def test_forms_neutralises_formulas_with_the_one_csv_writer():
    from cmalt_qa import _csvout, forms

    assert forms.neutralise is _csvout.neutralise
    assert not hasattr(forms, "_FORMULA_START")


def test_the_window_notebook_holds_no_column_lists():
    """Which columns a window table shows, and how, lives in reports (WINDOW_TABLES)."""
    source = (ROOT / "notebooks" / "window.py").read_text(encoding="utf-8")
    assert "col(" not in source and "reports.table(" not in source


def test_an_unknown_window_table_is_named():
    import pandas as pd
    import pytest

    from cmalt_qa import reports

    with pytest.raises(KeyError, match="severity"):
        reports.show_window_table("nope", pd.DataFrame(), window="2025-01")
