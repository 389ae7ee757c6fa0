"""The REST-XML codec of the server, driven by botocore's `s3control` shapes.

Requests: each input member is read from where its `location` says (URI label,
query string, header, or the XML body). The body is read by botocore's own
`RestXMLParser`, which applies the same layout rules to a request body as to a
response body (member names, list member names, flattened lists, types). Responses:
`write_response` walks the output shape like botocore's `RestXMLSerializer` walks an
input shape, so only members the model knows are written (our `Local` extras are not).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from botocore.model import OperationModel, Shape, StructureShape
from botocore.parsers import ResponseParserError, RestXMLParser
from botocore.utils import parse_timestamp

from s3batch_tui.core.server.model import service_model

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


class ApiError(Exception):
    """A request the codec cannot read: answered with `code` (an error shape's name)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def namespace() -> str:
    """The XML namespace of S3 Control documents (the one the input shapes declare)."""
    return f"http://awss3control.amazonaws.com/doc/{service_model().metadata['apiVersion']}/"


# --- requests ---------------------------------------------------------------------------


def _scalar(shape: Shape, text: str, where: str) -> Any:
    try:
        if shape.type_name in ("integer", "long"):
            return int(text)
        if shape.type_name in ("float", "double"):
            return float(text)
    except ValueError:
        raise ApiError("InvalidRequestException", f"{where}: expected a number, got {text!r}") from None
    if shape.type_name == "boolean":
        if text not in ("true", "false"):
            raise ApiError("InvalidRequestException", f"{where}: expected true or false, got {text!r}")
        return text == "true"
    if shape.type_name == "timestamp":
        return parse_timestamp(text)
    return text


def _body(operation: OperationModel, body: bytes) -> dict[str, Any]:
    shape = operation.input_shape
    if not any("location" not in m.serialization for m in shape.members.values()):
        return {}
    if not body.strip():
        return {}
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ApiError("BadRequestException", f"the request body is not well-formed XML: {exc}") from None
    expected = shape.serialization.get("name", shape.name)
    if root.tag.rpartition("}")[2] != expected:
        raise ApiError("BadRequestException", f"the request body's root element must be {expected}")
    try:
        parsed = RestXMLParser().parse({"headers": {}, "body": body, "status_code": 200}, shape)
    except (ResponseParserError, ValueError) as exc:
        raise ApiError("BadRequestException", f"the request body does not match {expected}: {exc}") from None
    parsed.pop("ResponseMetadata", None)
    return parsed


def parse_request(
    operation: OperationModel,
    labels: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The operation's parameters, as a botocore client call would have taken them.

    `headers` has lower-case names; `query` maps each name to all its values. Values
    outside the body are checked against the model's limits here (the body's members
    are checked by the job spec and tag rules).
    """
    params = _body(operation, body)
    for name, member in operation.input_shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri" and wire in labels:
            params[name] = _scalar(member, unquote(labels[wire]), wire)
        elif location == "querystring" and wire in query:
            values = query[wire]
            if member.type_name == "list":
                params[name] = [_scalar(member.member, v, wire) for v in values]
            else:
                params[name] = _scalar(member, values[-1], wire)
        elif location == "header" and wire.lower() in headers:
            params[name] = _scalar(member, headers[wire.lower()], wire)
    _check_scalars(operation, params)
    return params


def _check_scalars(operation: OperationModel, params: dict[str, Any]) -> None:
    """The model's min/max/enum/pattern limits on members outside the body (ids, query values)."""
    for name, member in operation.input_shape.members.items():
        if "location" not in member.serialization or name not in params:
            continue
        for value in params[name] if member.type_name == "list" else [params[name]]:
            problem = _violation(member.member if member.type_name == "list" else member, value)
            if problem:
                raise ApiError("InvalidRequestException" if name != "JobId" else "BadRequestException",
                               f"{member.serialization.get('name', name)}: {problem}")  # fmt: skip


def _violation(shape: Shape, value: Any) -> str | None:
    meta = shape.metadata
    size, what = (len(value), "length") if isinstance(value, str) else (value, "value")
    if "min" in meta and size < meta["min"]:
        return f"{value!r}: {what} below the minimum ({meta['min']})"
    if "max" in meta and size > meta["max"]:
        return f"{value!r}: {what} above the maximum ({meta['max']})"
    enum = getattr(shape, "enum", None)  # only string shapes have one
    if enum and value not in enum:
        return f"{value!r} is not one of {', '.join(enum)}"
    pattern = meta.get("pattern")
    if pattern and "\\p{" not in pattern and not re.fullmatch(pattern, value):
        return f"{value!r} does not match {pattern}"
    return None


# --- responses --------------------------------------------------------------------------


def _from_text(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)  # what `describe_job` writes; 100x faster than dateutil
    except ValueError:
        return parse_timestamp(text)


def _timestamp(value: Any) -> str:
    when = _from_text(value) if isinstance(value, str) else value
    if isinstance(when, (int, float)):
        when = dt.datetime.fromtimestamp(when, dt.UTC)
    when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{when.microsecond // 1000:03d}Z"


def _write(shape: Shape, value: Any, parent: ElementTree.Element, name: str) -> None:
    if value is None:
        return
    if isinstance(shape, StructureShape):
        node = ElementTree.SubElement(parent, name)
        for member_name, member in shape.members.items():
            if member_name in value:
                _write(member, value[member_name], node, member.serialization.get("name", member_name))
        return
    if shape.type_name == "list":
        if shape.serialization.get("flattened"):
            holder, item_name = parent, name
        else:
            holder, item_name = ElementTree.SubElement(parent, name), shape.member.serialization.get("name", "member")
        for item in value:
            _write(shape.member, item, holder, item_name)
        return
    if shape.type_name == "map":
        holder = ElementTree.SubElement(parent, name)
        for key, item in value.items():
            entry = ElementTree.SubElement(holder, "entry")
            _write(shape.key, key, entry, shape.key.serialization.get("name", "key"))
            _write(shape.value, item, entry, shape.value.serialization.get("name", "value"))
        return
    node = ElementTree.SubElement(parent, name)
    if shape.type_name == "boolean":
        node.text = "true" if value else "false"
    elif shape.type_name == "timestamp":
        node.text = _timestamp(value)
    else:
        node.text = str(value)


def write_response(operation: OperationModel, data: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """Headers and XML body of a successful response carrying `data` (unknown members dropped)."""
    shape = operation.output_shape
    headers: dict[str, str] = {}
    if shape is None:
        return headers, b""
    body_members = {}
    for name, member in shape.members.items():
        if name not in data or data[name] is None:
            continue
        if member.serialization.get("location") == "header":
            headers[member.serialization.get("name", name)] = str(data[name])
        else:
            body_members[name] = member
    if not body_members:
        return headers, b""
    root = ElementTree.Element(shape.name, xmlns=namespace())
    for name, member in body_members.items():
        _write(member, data[name], root, member.serialization.get("name", name))
    return headers, XML_DECLARATION + ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)


def write_error(code: str, message: str, request_id: str) -> bytes:
    """An S3 Control error document: `ErrorResponse/Error/{Code,Message}` and `RequestId`."""
    root = ElementTree.Element("ErrorResponse")
    error = ElementTree.SubElement(root, "Error")
    ElementTree.SubElement(error, "Code").text = code
    ElementTree.SubElement(error, "Message").text = message
    ElementTree.SubElement(root, "RequestId").text = request_id
    return XML_DECLARATION + ElementTree.tostring(root, encoding="utf-8")
