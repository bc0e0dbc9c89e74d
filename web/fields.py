"""Form fields that read numbers safely.

WTForms' IntegerField converts any digit string, however long, and its
NumberRange then hands the result to math.isnan(), which raises
OverflowError for an int too big for a float. Counting digits before
converting keeps every number a form reads within what its range allows.
"""

from wtforms import IntegerField


class BoundedIntegerField(IntegerField):
    """A whole number written in at most `max_digits` ASCII digits; anything else reads as no number.

    A value that is no number leaves `data` None, which the field's validators
    (InputRequired, NumberRange) turn into their own messages.
    """

    def __init__(self, label: str | None = None, validators=None, *, max_digits: int, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_digits = max_digits

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip()
        fits = text.isascii() and text.isdigit() and len(text) <= self.max_digits
        self.data = int(text) if fits else None
