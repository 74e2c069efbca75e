"""One virtual user's HTTP session: cookies, CSRF token, timing and error bookkeeping.

The load test stands in for the TLS-terminating reverse proxy in front of gunicorn: it
connects from 127.0.0.1 (listed in TRUSTED_PROXIES) and sends ``X-Forwarded-Proto: https``,
``X-Forwarded-For`` (the virtual user's own address) and ``X-Request-ID``, so that the app
runs with its production settings (secure cookies, HSTS, no redirect) as it does behind the
proxy. Cookies are kept whatever their ``Secure`` flag: from the app's side this is HTTPS.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from demo.loadtest.stats import Recorder

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT = 30.0


class JourneyError(Exception):
    """The current journey cannot go on (the error is already recorded)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


# A content check returns "" when the response is right, else what is wrong with it.
Check = Callable[[Response], str]


def html(*needles: str) -> Check:
    """An HTML page that contains every needle (a heading, a case number)."""

    def check(response: Response) -> str:
        if not response.headers.get("content-type", "").startswith("text/html"):
            return f"geen HTML maar {response.headers.get('content-type')!r}"
        text = response.text
        for needle in needles:
            if needle not in text:
                return f"{needle!r} ontbreekt op de pagina"
        return ""

    return check


def json_body(inspect: Callable[[Any], str] = lambda data: "") -> Check:
    def check(response: Response) -> str:
        if not response.headers.get("content-type", "").startswith("application/json"):
            return f"geen JSON maar {response.headers.get('content-type')!r}"
        try:
            data = response.json()
        except ValueError:
            return "onleesbare JSON"
        return inspect(data)

    return check


@dataclass
class Session:
    host: str
    port: int
    recorder: Recorder
    client_ip: str
    token: str = ""  # a service account's API token
    on_behalf_of: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    _connection: http.client.HTTPConnection | None = None

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], list[str], bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                self.host, self.port, timeout=REQUEST_TIMEOUT
            )
        connection = self._connection
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if raw.will_close:
            self.close()
        cookies = raw.headers.get_all("Set-Cookie") or []
        return raw.status, {k.lower(): v for k, v in raw.getheaders()}, cookies, data

    def _store_cookies(self, lines: Iterable[str]) -> None:
        for line in lines:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(
        self,
        method: str,
        path: str,
        route: str,
        *,
        expect: Iterable[int] = (200,),
        check: Check | None = None,
        form: dict[str, str] | None = None,
        multipart: dict[str, str] | None = None,
        payload: Any = None,
        audited: bool = False,
        referer: str = "",
    ) -> Response:
        """One request, timed and judged: a failed connection, a 5xx, a status outside
        ``expect`` or a failed content check is an error, and ends the journey."""
        request_id = uuid.uuid4().hex
        headers = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": "casusregie-loadtest",
            "Accept-Language": "nl",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            "X-Request-ID": request_id,
        }
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
            if self.on_behalf_of:
                headers["X-On-Behalf-Of"] = self.on_behalf_of
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body: bytes | None = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif multipart is not None:
            boundary = uuid.uuid4().hex
            body = _multipart(multipart, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
            headers["Accept"] = "application/json"
        if method != "GET" and not self.token:
            headers["Origin"] = self.origin
            headers["Referer"] = referer or f"{self.origin}{path}"
            if self.csrf and form is None and multipart is None:
                headers["X-CSRFToken"] = self.csrf
        started = time.perf_counter()
        try:
            status, response_headers, cookies, data = self._send(method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            self.recorder.record(route, elapsed)
            self.recorder.fail(route, "connection", f"{type(exc).__name__}: {exc}")
            raise JourneyError(route) from exc
        elapsed = (time.perf_counter() - started) * 1000
        self.recorder.record(route, elapsed)
        self._store_cookies(cookies)
        response = Response(status, response_headers, data, elapsed)
        expected = set(expect)
        if status >= 500:
            self.recorder.fail(route, f"http {status}", f"{method} {path} -> {status}")
            raise JourneyError(route)
        if status not in expected:
            detail = response.text[:200].replace("\n", " ")
            self.recorder.fail(
                route,
                f"http {status}",
                f"{method} {path} -> {status}, verwacht {sorted(expected)}: {detail}",
            )
            raise JourneyError(route)
        if check is not None:
            problem = check(response)
            if problem:
                self.recorder.fail(route, "content", f"{method} {path}: {problem}")
                raise JourneyError(route)
        if status < 300 or status == 404:
            found = CSRF_INPUT.search(response.text) if b"csrfmiddlewaretoken" in data else None
            if found:
                self.csrf = found.group(1)
        if audited and (status < 300 or status == 404):  # a refused look is logged too
            self.recorder.expect_audit(request_id)
        return response


def _multipart(fields: dict[str, str], boundary: str) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode("utf-8")
