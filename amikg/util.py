"""Small helpers shared by the library."""

from __future__ import annotations

import re
import unicodedata


def slug(text: str) -> str:
    """A stable, URL-safe slug: ASCII, lower case, words joined by hyphens."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text or "unnamed"
