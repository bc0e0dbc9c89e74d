"""CSV cells a spreadsheet would run as formulas are defused."""

import pytest

from portal.admin.audit_csv import defused


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("https://x")'])
def test_a_cell_that_would_be_a_formula_gets_an_apostrophe(text):
    assert defused(text) == "'" + text


@pytest.mark.parametrize(("value", "text"), [("Acme = Sync", "Acme = Sync"), (42, "42"), (None, ""), ("", "")])
def test_other_cells_are_left_as_they_are(value, text):
    assert defused(value) == text
