"""Every API operation, fed generated input by schemathesis from the app's own OpenAPI, never
answers with a server error (issue 11, item 14: any input is a 4xx naming the field, or a
success).

Bounded so that it runs in about a minute per backend: a few derandomized examples per
operation in each generation mode (valid and invalid input), no shrinking, no example
database. All operations run as the demo admin with a bearer token, on a fresh copy of the demo
database per backend. A failure lists every operation that answered 5xx with a request to
reproduce it.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from ecociv import users
from ecociv.adapters.db import Database
from tests.conftest import SYSTEM

pytestmark = pytest.mark.xdist_group("schemathesis")

#: A deeper run: ECOCIV_SCHEMATHESIS_EXAMPLES=50 pytest tests/e2e/test_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("ECOCIV_SCHEMATHESIS_EXAMPLES", "4"))
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _failures_of(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """The first 5xx of ``operation`` in ``mode`` (with the request to reproduce it), or None."""

    @BOUNDED
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
        return None
    except Exception as exc:  # a FailureGroup, or the app's own exception
        return f"{operation.label} [{mode.value}]: {exc}"
    return None


def test_no_api_operation_answers_a_server_error(app: Any, db: Database) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    token = users.create_token(db, SYSTEM, username="admin", name="schemathesis").secret
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = _failures_of(operation, mode, headers)
            if failure:
                failures.append(failure)
    assert operations > 80, "the OpenAPI document lost its operations"
    assert not failures, f"{len(failures)} operation(s) answered 5xx:\n\n" + "\n\n".join(failures)
