"""Normalising what people type, so that the same thing compares equal."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Legal-form words that do not tell one company from another ("Acme LLC" == "ACME").
_LEGAL_FORMS = {
    "llc",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "plc",
    "oy",
    "ab",
    "as",
    "aps",
    "sp",
    "zoo",
    "sro",
    "kft",
    "ooo",
    "oao",
    "zao",
    "pao",
    "ao",
    "ip",
    "tov",
    "fop",
    "pp",
    "llp",
    "lp",
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "ип",
    "тов",
    "фоп",
    "пп",
    "чп",
}


def company_key(name: str) -> str:
    """A comparison key for a company name: case, accents, quotes and legal form ignored."""
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # "L.L.C.", "S.A.", "B.V." are the same words as "LLC", "SA", "BV".
    text = re.sub(r"\b(?:\w\.){2,}", lambda match: match.group(0).replace(".", ""), text)
    words = re.findall(r"\w+", text)
    meaningful = [word for word in words if word not in _LEGAL_FORMS]
    return " ".join(meaningful or words)


def collapse_spaces(value: str) -> str:
    """Trim and collapse runs of white space to one space."""
    return " ".join(value.split())


def name_in_use(names: Iterable[str], name: str) -> bool:
    """Whether ``name`` is one of ``names`` whatever the case. Compared here with Unicode
    case folding: SQLite's LOWER() folds ASCII letters only."""
    key = name.casefold()
    return any(other.casefold() == key for other in names)


def printable(text: str) -> str:
    """``text`` without characters nobody types (NUL, control characters): PostgreSQL
    refuses NUL in text, and no code, number or search contains one."""
    return "".join(ch for ch in text if ch.isprintable())
