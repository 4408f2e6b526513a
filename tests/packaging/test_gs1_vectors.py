"""GS1's public test vectors (gs1-syntax-engine, Gs1DigitalLinkLib), when the folder is present.

Cases are checked when every AI they use is in our table. Where the sources disagree with
each other (the same input both valid and invalid, depending on a library option) or with a
choice we made on purpose, the case is listed in POLICY with the reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from microindex.domain.errors import InvalidValue
from microindex.domain.gs1.ai import AIS
from microindex.domain.gs1.digital_link import DigitalLink, parse_digital_link
from microindex.domain.gs1.element_string import parse_bracketed, parse_raw

VECTORS = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gs1" / "gs1_vectors.json"
)

POLICY = {
    # Convenience alphas (/gtin/, /ser/, /sscc/) were dropped by Digital Link 1.2: we refuse them.
    "https://a/gtin/12312312312333/ser/ABC123": "convenience alphas",
    "https://a/sscc/006141411234567890": "convenience alphas",
    # We read a GTIN-8/12/13 in the path as 14 digits (scans are accepted, we print 14 digits).
    "https://a/01/2112345678900": "short GTIN in the path",
    "https://a/01/416000336108": "short GTIN in the path",
    "https://a/01/02345673": "short GTIN in the path",
}


def _vectors() -> dict[str, Any]:
    if not VECTORS.exists():
        pytest.skip(f"GS1 test vectors not present at {VECTORS} (../shared is absent)")
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data


def _ais(text: str) -> set[str]:
    found = set(re.findall(r"/(\d{2,4})/", text)) | set(re.findall(r"[?&](\d+)=", text))
    return found | set(re.findall(r"\((\d{2,4})\)", text))


def _option_dependent(cases: list[dict[str, Any]], key: str) -> set[str]:
    verdicts = Counter((case[key], case["ok"]) for case in cases)
    return {text for text, ok in verdicts if (text, not ok) in verdicts}


def _elements(link: DigitalLink) -> tuple[tuple[str, str], ...]:
    return tuple((e.ai, e.value) for e in link.elements)


def test_digital_link_parse_vectors() -> None:
    cases = _vectors()["dl_parse"]
    skip = _option_dependent(cases, "uri") | set(POLICY)
    checked = 0
    for case in cases:
        uri = case["uri"]
        if uri in skip or not _ais(uri) <= set(AIS):
            continue
        checked += 1
        if not case["ok"]:
            with pytest.raises(InvalidValue):
                parse_digital_link(uri)
            continue
        link = parse_digital_link(uri)
        assert link.element_string().caret() == case["ai_data"], uri
    assert checked >= 60


def test_digital_link_generate_vectors() -> None:
    cases = _vectors()["dl_generate"]
    skip = _option_dependent(cases, "ai_bracketed")
    checked = 0
    for case in cases:
        text = case["ai_bracketed"]
        if text in skip or not _ais(text) <= set(AIS):
            continue
        checked += 1
        stem = case["stem"] or "https://id.gs1.org"
        if not case["ok"]:
            with pytest.raises(InvalidValue):
                DigitalLink.from_elements(parse_bracketed(text)).uri(stem)
            continue
        made = parse_digital_link(DigitalLink.from_elements(parse_bracketed(text)).uri(stem))
        expected = parse_digital_link(case["uri"])
        # The query's order is free in the standard: compare the path exactly, the query as a set.
        assert made.key == expected.key and made.qualifiers == expected.qualifiers, text
        assert set(made.attributes) == set(expected.attributes), text
        assert (
            DigitalLink.from_elements(parse_bracketed(text)).uri(stem).split("?")[0]
            == (case["uri"].split("?")[0])
        )
    assert checked >= 15


def test_element_string_vectors() -> None:
    checked = 0
    for case in _vectors()["ai_process"]:
        data = case["ai_data"]
        if case["ok"] and not any(data[1:].startswith(ai) for ai in AIS):
            continue  # a valid element string with an AI outside our table
        checked += 1
        if case["ok"]:
            parsed = parse_raw(data)
            assert parse_raw(parsed.caret()) == parsed, data
        else:
            with pytest.raises(InvalidValue):
                parse_raw(data)
    assert checked >= 60


def test_digital_link_to_hri_vectors() -> None:
    checked = 0
    for case in _vectors()["dl_to_hri"]:
        if not _ais(case["uri"]) <= set(AIS):
            continue
        checked += 1
        assert parse_digital_link(case["uri"]).element_string().bracketed() == case["hri"]
    assert checked >= 30
