"""Property tests of the HTTP API against its own OpenAPI schema (schemathesis, in-process): whatever
a client sends, the service answers without a 5xx, and every answer matches the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app

MAX_EXAMPLES = 20  # per operation: bounded, so `make test` stays fast
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# Every operation of the app; test_api_schema_lists_every_operation fails when a route is added.
OPERATIONS = [
    ("POST", "/v1/classify"),
    ("POST", "/v1/reports"),
    ("GET", "/v1/reports"),
    ("GET", "/v1/reports/{report_id}"),
    ("DELETE", "/v1/reports/{report_id}"),
    ("POST", "/v1/reports/{report_id}/retag"),
    ("GET", "/v1/aggregate"),
    ("GET", "/v1/model"),
    ("POST", "/v1/model/reload"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, trained_model, make_settings, keys, service_report):
    app = create_app(make_settings(tmp_path_factory.mktemp("api-schema"), trained_model))
    # schemathesis starts the app's lifespan once (model loaded, database opened) and keeps it.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # One stored report, so that ids 1.. also reach the found-branches of the report routes.
    schema["/v1/reports"]["POST"].Case(
        body={"text": service_report("lindenau.txt")}, media_type="application/json"
    ).call(headers={"Authorization": f"Bearer {keys['admin']}"})
    return schema


def test_api_schema_lists_every_operation(api_schema):
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_api_operation_matches_its_schema(api_schema, keys, method, path):
    """Generated requests with an admin key (so the routes' own validation is reached, not only the
    401s): never a 5xx, every status code documented, every body as its schema says."""
    operation = api_schema[path][method]
    tried = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        tried.append(case)
        case.call_and_validate(headers={"Authorization": f"Bearer {keys['admin']}"}, checks=CHECKS)

    check()
    print(f"{method} {path}: {len(tried)} examples")
    assert tried
