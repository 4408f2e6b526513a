"""Schemathesis against the OpenAPI document, in-process: for data the schema allows and data
it does not, the API answers without a 5xx and as its document says (status, body, headers).

Schema-valid data may still be refused with a 422 by rules a schema cannot state (a CSV
file's rows, closing time after opening time), so "positive data acceptance" is not checked;
nor is "negative data rejection": every case is sent with an admin token (also those meant to
lack one), and unknown query parameters are ignored, as HTTP APIs do. Bodies are strict.
Operations are walked by hand rather than through `schemathesis.pytest`, whose lazy-fixture
loader does not run on this pytest.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.core.result import Err, Ok

from microindex.bootstrap import Workspace
from microindex.entrypoints.http import create_app
from tests.http.conftest import bearer

NOT_CHECKED = [positive_data_acceptance, negative_data_rejection]
EXAMPLES = 12  # per operation and mode: ~50 operations x 2 modes, about a minute


@pytest.fixture(scope="module")
def api_schema(shared_workspace: Workspace) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(shared_workspace))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_never_fails_with_a_5xx_and_keeps_to_its_schema(
    api_schema: schemathesis.BaseSchema, shared_secrets: dict[str, str], mode: GenerationMode
) -> None:
    headers = bearer(shared_secrets["admin"])
    results = list(api_schema.get_all_operations())
    assert [r.err() for r in results if isinstance(r, Err)] == []
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) >= 50
    assert "GET /api/v1/feeds/accuracy" in {o.label for o in operations}  # kept days: fast

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=NOT_CHECKED)

        try:
            check()
        except Exception as error:  # name the operation, keep the cause
            raise AssertionError(f"{operation.label}: {error}") from error
