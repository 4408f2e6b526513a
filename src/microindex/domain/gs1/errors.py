"""Why a GS1 key, element string or Digital Link URI was refused."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from microindex.domain.errors import InvalidValue


class Gs1Problem(StrEnum):
    CHECK_DIGIT = "check_digit"
    LENGTH = "length"
    CHARSET = "charset"
    DATE = "date"
    UNKNOWN_AI = "unknown_ai"
    DUPLICATE_AI = "duplicate_ai"
    EMPTY = "empty"
    NOT_A_URI = "not_a_uri"
    NO_PRIMARY_KEY = "no_primary_key"
    WRONG_PLACE = "wrong_place"
    QUALIFIER_ORDER = "qualifier_order"
    ATTRIBUTE_IN_PATH = "attribute_in_path"
    PERCENT_ENCODING = "percent_encoding"


@dataclass(eq=False)
class InvalidGs1(InvalidValue):
    """A GS1 value refused with a reason; `problem` says which rule it broke."""

    problem: Gs1Problem
    code = "invalid_gs1"
