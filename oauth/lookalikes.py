"""Text that looks like other text: letters of different alphabets that share a shape, and spelled-out disguises.

Latin, Cyrillic, Greek, Armenian and Cherokee each have letters that look
like another's (Latin a, Cyrillic а, Greek α): one word mixing them is a
look-alike's trick, whether in a host name or an app's name. `skeleton`
folds the disguises that stay in one alphabet (case, full-width forms,
spacing and punctuation, digits for letters) so that two names that read
the same compare equal.
"""

import unicodedata

CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})
# Digits and letter pairs that stand in for a letter: P1atform, Acc0unts, Platforrn, PIatform (capital i).
_STAND_INS = {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "i": "l"}


def confusable_mix(word: str) -> list[str]:
    """The look-alike alphabets `word` mixes, such as ["CYRILLIC", "LATIN"]; [] when it keeps to one."""
    scripts = sorted({_script(ch) for ch in word if ch.isalpha()} & CONFUSABLE_SCRIPTS)
    return scripts if len(scripts) > 1 else []


def skeleton(text: str) -> str:
    """`text` reduced to what it reads as: NFKC, case-folded, letters and digits only, stand-ins replaced."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(_STAND_INS.get(ch, ch) for ch in folded if ch.isalnum())
    return kept.replace("rn", "m")


def _script(ch: str) -> str:
    """The script of a letter, as the first word of its Unicode name says (LATIN, CYRILLIC, GREEK...)."""
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
