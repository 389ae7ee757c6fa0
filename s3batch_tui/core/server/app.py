"""The ASGI application: read a request, check its signature, call the operation, answer.

Every answer carries an `x-amz-request-id`; errors are S3 Control error documents.
Handlers touch SQLite, so they run in a worker thread, never on the event loop.
With a request budget (`serve --max-requests-per-second`), a signed request over it is
answered as S3 Control answers a throttled one: TooManyRequestsException, nothing done.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from s3batch_tui.core.engine.ratelimit import RateLimiter
from s3batch_tui.core.errors import JobNotFound
from s3batch_tui.core.server.auth import AuthError, Verifier
from s3batch_tui.core.server.codec import ApiError, parse_request, write_error, write_response
from s3batch_tui.core.server.handlers import JobHandlers
from s3batch_tui.core.server.model import error_status, find_route, path_exists

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # a CreateJob document is a few KB; S3 Control's own limit is far below this
BODY_TIMEOUT_SECONDS = 30.0


@dataclass
class Request:
    """What the app needs of one HTTP request."""

    method: str
    raw_path: str
    query: str
    headers: dict[str, str]
    body: bytes
    tls: bool

    @property
    def url(self) -> str:
        """The URL as the client signed it (scheme, Host header, raw path and query)."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.headers.get('host', '')}{self.raw_path}" + (f"?{self.query}" if self.query else "")


class ServerApp:
    """ASGI app over the job handlers; `verifier` None means no authentication (insecure).

    `budget`: the account's request budget (a server serves one account); None: no limit.
    """

    def __init__(self, handlers: JobHandlers, account_id: str, verifier: Verifier | None,
                 budget: RateLimiter | None = None) -> None:  # fmt: skip
        self.handlers = handlers.handlers()
        self.account_id = account_id
        self.verifier = verifier
        self.budget = budget

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":  # uvicorn runs with lifespan="off": http is all there is
            return
        request_id = uuid.uuid4().hex[:16].upper()
        try:
            request = await _read(scope, receive)
            answer = await asyncio.get_running_loop().run_in_executor(None, self.answer, request, request_id)
        except ApiError as exc:
            answer = error_status(exc.code), {}, write_error(exc.code, exc.message, request_id)
        status, headers, body = answer
        headers = {"x-amz-request-id": request_id, "content-length": str(len(body))} | headers
        if body:
            headers["content-type"] = "application/xml"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    def answer(self, request: Request, request_id: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one request; runs in a worker thread."""
        try:
            return self._answer(request)
        except (ApiError, AuthError) as exc:
            return error_status(exc.code), {}, write_error(exc.code, exc.message, request_id)
        except JobNotFound as exc:
            return 404, {}, write_error("NotFoundException", str(exc), request_id)
        except Exception:  # a bug answers 500 and is logged; the server keeps serving
            log.exception("internal error answering %s %s", request.method, request.raw_path)
            return 500, {}, write_error("InternalServiceException", "We encountered an internal error.", request_id)

    def _answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        if self.verifier is not None:
            self.verifier.verify(request.method, request.url, request.headers, request.body, request.tls)
        if request.headers.get("x-amz-account-id") != self.account_id:
            raise AuthError("AccessDenied", "Access Denied: x-amz-account-id must be this server's account")
        if self.budget is not None and self.budget.take():  # counted per account, once the caller is known
            raise ApiError("TooManyRequestsException", f"Too many requests for account {self.account_id}: this "
                           f"server answers {self.budget.rate:g} per second; retry with back-off")  # fmt: skip
        path = request.raw_path  # still percent-encoded: the codec decodes each URI label once
        found = find_route(request.method, path)
        if found is None:
            if path_exists(path):
                raise ApiError("MethodNotAllowed", f"{request.method} is not allowed on {path}")
            raise ApiError("InvalidRequestException", f"no S3 Control job operation at {request.method} {path}")
        operation, labels = found
        params = parse_request(operation, labels, parse_qs(request.query, keep_blank_values=True),
                               request.headers, request.body)  # fmt: skip
        output = self.handlers[operation.name](params)
        headers, body = write_response(operation, output)
        return 200, headers, body


async def _read(scope: dict[str, Any], receive) -> Request:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if raw_path.startswith((b"http://", b"https://")):  # absolute-form target: the server used as a proxy
        raw_path = b"/" + (raw_path.split(b"/", 3)[3:] or [b""])[0]
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        headers[key] = f"{headers[key]},{value.decode('latin-1')}" if key in headers else value.decode("latin-1")
    try:
        body = await asyncio.wait_for(_body(receive), BODY_TIMEOUT_SECONDS)
    except TimeoutError:
        raise ApiError("RequestTimeout", "the request body did not arrive in time") from None
    return Request(scope["method"], raw_path.decode("latin-1").split("?", 1)[0], scope.get("query_string", b"").decode(
        "latin-1"), headers, body, scope.get("scheme") == "https")  # fmt: skip


async def _body(receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError("BadRequestException", "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError("EntityTooLarge", f"the request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)
