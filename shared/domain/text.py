"""Search text: how a name is cut into words and folded, so ``fab``, ``Fab`` and ``Fäb`` all
find "Fabrikam". The same folding is applied to what is stored and to what is searched."""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 8  # per referral: keeps its index rows (and its transaction) small
MAX_WORD = 40  # characters kept of a word: prefixes longer than this still match
_SPLIT = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents removed (NFKD, combining marks dropped), ß -> ss."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(*texts: str | None) -> list[str]:
    """The distinct folded words of ``texts``, in order, at most MAX_WORDS."""
    seen: list[str] = []
    for text in texts:
        for word in _SPLIT.split(fold(text or "")):
            word = word[:MAX_WORD]
            if word and word not in seen:
                seen.append(word)
    return seen[:MAX_WORDS]


def tokens(text: str) -> list[str]:
    """Every folded word of ``text``, in order (for phrase matching)."""
    return [w for w in _SPLIT.split(fold(text)) if w]
