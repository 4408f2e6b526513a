"""The SQLite outbox's payload text: one C encoder made once writes what `json.dumps` with
compact separators writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from microindex.adapters.sqlite.stores import _compact

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), _values, max_size=6))
def test_a_payload_is_written_as_compact_json(payload: dict[str, Any]) -> None:
    assert _compact(payload) == json.dumps(payload, separators=(",", ":"))
    assert json.loads(_compact(payload)) == payload
