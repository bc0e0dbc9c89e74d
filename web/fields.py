"""Form fields that read numbers safely.

WTForms' IntegerField converts any digit string, however long, and its
NumberRange then hands the result to math.isnan(), which raises
OverflowError for an int too big for a float. Counting digits before
converting keeps every number a form reads within what its range allows.
"""

import re

from wtforms import IntegerField

# ASCII digits only: int() would also take Arabic-Indic digits and underscores.
_WHOLE_NUMBER = re.compile(r"[+-]?([0-9]+)")


class BoundedIntegerField(IntegerField):
    """A whole number of at most `max_digits` ASCII digits, counted before it is converted.

    Text that is no whole number is a field error, as with IntegerField; a
    number with more digits than `max_digits` leaves `data` None, which the
    field's NumberRange reports with its own message.
    """

    def __init__(self, label: str | None = None, validators=None, *, max_digits: int, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_digits = max_digits

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        self.data = None
        match = _WHOLE_NUMBER.fullmatch(valuelist[0].strip())
        if match is None:
            raise ValueError(self.gettext("Not a valid integer value."))
        if len(match.group(1)) <= self.max_digits:
            self.data = int(match.group(0))
