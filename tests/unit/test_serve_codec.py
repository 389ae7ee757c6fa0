"""The server's codec agrees with botocore's own serializer and parser (property-based).

For generated parameters of each operation, botocore's RestXMLSerializer writes the
request a boto3 client would send and our codec must read back the same parameters;
for generated output data, our codec writes the response and botocore's RestXMLParser
(what every boto3 client runs) must read back the same data.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import pytest
from botocore.parsers import RestXMLParser
from botocore.serialize import create_serializer
from botocore.utils import percent_encode_sequence
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3batch_tui.core.server.codec import parse_request, write_error, write_response
from s3batch_tui.core.server.model import OPERATIONS, find_route, service_model

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=12)
TIMESTAMPS = st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)).map(
    lambda when: when.replace(microsecond=when.microsecond // 1000 * 1000)  # the wire keeps milliseconds
)
LABEL = st.text("abcdefABCDEF0123456789-_", min_size=5, max_size=36)


def values(shape, location: str | None = None) -> st.SearchStrategy:
    """Values of a botocore shape, within what its location can carry."""
    kind = shape.type_name
    if kind == "structure":
        members = {name: values(member, member.serialization.get("location")) for name, member in shape.members.items()}
        if shape.metadata.get("union"):  # exactly one member set, or botocore refuses it
            return st.one_of([st.fixed_dictionaries({name: member}) for name, member in members.items()])
        required = {name: members[name] for name in shape.required_members if name in members}
        return st.fixed_dictionaries(required, optional={k: v for k, v in members.items() if k not in required})
    if kind == "list":
        # An empty list in a query string is not sent at all: only non-empty ones travel.
        return st.lists(values(shape.member, location), min_size=1 if location else 0, max_size=3)
    if kind == "map":
        return st.dictionaries(TEXT, values(shape.value), max_size=2)
    if kind == "string":
        if getattr(shape, "enum", None):
            return st.sampled_from(shape.enum)
        if location == "header":
            return st.text("0123456789", min_size=12, max_size=12)
        return LABEL if location in ("uri", "querystring") else TEXT
    if kind in ("integer", "long"):
        return st.integers(shape.metadata.get("min", -(2**31)), shape.metadata.get("max", 2**31 - 1))
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return TIMESTAMPS
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    raise AssertionError(f"no strategy for {kind} ({shape.name})")


def operation(name: str):
    return service_model().operation_model(name)


@pytest.mark.parametrize("name", OPERATIONS)
def test_requests_botocore_writes_are_read_back_the_same(name):
    model = operation(name)
    serializer = create_serializer("rest-xml", include_validation=False)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(values(model.input_shape))
    def check(params):
        request = serializer.serialize_to_request(params, model)
        found = find_route(request["method"], request["url_path"])
        assert found is not None and found[0].name == name
        query = parse_qs(percent_encode_sequence(request["query_string"] or {}), keep_blank_values=True)
        headers = {key.lower(): value for key, value in request["headers"].items()}
        assert parse_request(model, found[1], query, headers, request["body"]) == params

    check()


@pytest.mark.parametrize("name", OPERATIONS)
def test_responses_we_write_are_read_by_botocore_the_same(name):
    model = operation(name)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(values(model.output_shape))
    def check(data):
        headers, body = write_response(model, data)
        parsed = RestXMLParser().parse({"headers": headers, "body": body, "status_code": 200}, model.output_shape)
        parsed.pop("ResponseMetadata", None)
        assert parsed == data

    check()


def test_members_the_model_does_not_know_are_not_written():
    headers, body = write_response(operation("DescribeJob"), {"Job": {"JobId": "abcde", "Local": {"X": 1}}})
    assert b"<JobId>abcde</JobId>" in body and b"Local" not in body
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeJobResult xmlns="http://awss3control')


def test_error_documents_are_read_by_botocore():
    body = write_error("JobStatusException", "job is Complete", "REQ123")
    parsed = RestXMLParser().parse({"headers": {}, "body": body, "status_code": 409}, None)
    assert parsed["Error"] == {"Code": "JobStatusException", "Message": "job is Complete"}
    assert parsed["ResponseMetadata"]["RequestId"] == "REQ123"


def test_every_error_of_the_eight_operations_has_a_status():
    from s3batch_tui.core.server.model import ERROR_STATUS, error_status

    errors = {shape.name for name in OPERATIONS for shape in operation(name).error_shapes}
    assert errors <= set(ERROR_STATUS)
    assert {error_status(code) for code in ("NotFoundException", "JobStatusException", "BadRequestException")} == {
        404, 409, 400}  # fmt: skip
    assert error_status("SignatureDoesNotMatch") == 403
