"""The one HTTP client tealeaves uses: timeouts, an overall deadline, size caps, checked redirects
and an address guard that looks at the address actually connected to.

Transport failures become our errors in one place, ``_TRANSLATIONS`` (applied by ``_translated``), and
``request_context`` attaches the URL and the hops made so far to any error raised in its block."""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

import httpcore
import httpx

from extractors import errors
from extractors.urls import FETCHABLE_SCHEMES, host_of

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchPolicy:
    """How every request behaves; built by ``Settings.fetch_policy``, which holds every default."""

    user_agent: str
    connect_timeout: float
    read_timeout: float
    deadline: float  # seconds for one request, redirects and body included
    min_rate: int  # bytes a second a body still arriving must keep up (0: no floor) ...
    min_rate_window: float  # ... measured over this many seconds at a time
    max_bytes: int  # decoded body cap
    max_redirects: int
    allow_hosts: frozenset[str]  # hosts (as written in the URL) exempt from the address guard
    extra_headers: tuple[tuple[str, str], ...]  # sent with every request (a source's consent cookie); never Host


@dataclass(frozen=True)
class Hop:
    """One HTTP request as it went on the wire (stored in ``fetches``)."""

    url: str
    status: int | None  # None when no answer came back
    etag: str | None
    last_modified: str | None
    bytes: int
    at: datetime
    elapsed_ms: float


@dataclass(frozen=True)
class FetchResult:
    """A final answer (after redirects): 200-class with its body, or 304 with none."""

    url: str  # the final URL
    status: int
    headers: Mapping[str, str]
    body: bytes
    hops: tuple[Hop, ...] = field(default_factory=tuple)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class _Refused(Exception):
    """Raised inside the transport when the resolved address may not be contacted (httpx passes it
    through unchanged because it is not an httpcore error)."""


_V4 = ipaddress.IPv4Address
_V6 = ipaddress.IPv6Address
_NET = ipaddress.IPv6Network


def _v4_at(ip: _V6, bit: int) -> _V4:
    """The 32 bits of ``ip`` from ``bit`` on (0 is the most significant) as an IPv4 address."""
    return _V4((int(ip) >> (96 - bit)) & 0xFFFFFFFF)


def _last32(ip: _V6) -> tuple[_V4, ...]:
    return (_v4_at(ip, 96),)


def _sixtofour(ip: _V6) -> tuple[_V4, ...]:
    return (_v4_at(ip, 16),)


def _teredo(ip: _V6) -> tuple[_V4, ...]:
    return (_v4_at(ip, 32), _V4(~int(ip) & 0xFFFFFFFF))


# IPv6 forms that carry an IPv4 address a packet to them ends up at, so that address is what is judged: a
# loopback or private one behind any of them is as private as itself, whatever Python thinks of the prefix.
_CARRIERS: tuple[tuple[_NET, Callable[[_V6], tuple[_V4, ...]]], ...] = (
    (_NET("::ffff:0:0/96"), _last32),  # IPv4-mapped (RFC 4291)
    (_NET("::ffff:0:0:0/96"), _last32),  # IPv4-translated (RFC 2765)
    (_NET("64:ff9b::/96"), _last32),  # NAT64 well-known prefix (RFC 6052)
    (_NET("2002::/16"), _sixtofour),  # 6to4: bits 16-48 (RFC 3056)
    (_NET("2001::/32"), _teredo),  # Teredo: the server at bits 32-64, the client inverted at the end (RFC 4380)
)
# Never public, whatever they embed: the deprecated IPv4-compatible form (RFC 4291; it holds :: and ::1 too),
# and the NAT64 local-use prefix (RFC 8215), which is not globally reachable and whose operator chooses where
# inside it the IPv4 address sits, so no one position can be judged.
_NEVER_PUBLIC = (_NET("::/96"), _NET("64:ff9b:1::/48"))


def _is_public_ip(ip: _V4 | _V6) -> bool:
    return ip.is_global and not ip.is_multicast


def _is_public(address: str) -> bool:
    """Whether a request may go to ``address``; an IPv6 form that embeds an IPv4 address is judged by that."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, _V4):
        return _is_public_ip(ip)
    if any(ip in network for network in _NEVER_PUBLIC):
        return False
    for network, embedded in _CARRIERS:
        if ip in network:
            return all(_is_public_ip(v4) for v4 in embedded(ip))
    return _is_public_ip(ip)


# The monotonic time by which the request in progress on this thread must be done (set by Fetcher.get).
# Every socket operation is given at most what is left of it, so a server that trickles its status line
# and headers a byte at a time is stopped by the deadline too, not only one that trickles the body.
_DEADLINE: ContextVar[float | None] = ContextVar("tealeaves_fetch_deadline", default=None)


def _budget(timeout: float | None, on_expiry: type[httpcore.TimeoutException]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise on_expiry("the overall deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake waits no longer than the deadline allows."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _budget(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses ``host`` resolves to, in order, without duplicates. getaddrinfo cannot be
    interrupted, so it runs on a daemon thread that is abandoned if it outlasts ``timeout``."""
    try:
        return [str(ipaddress.ip_address(host))]  # a literal address needs no lookup
    except ValueError:
        pass
    outcome: list[Any] = []

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=lookup, name="tealeaves-resolve", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise httpcore.ConnectTimeout(f"resolving host {host!r} took longer than {timeout or 0:.0f} s")
    if isinstance(outcome[0], Exception):
        raise httpcore.ConnectError(f"cannot resolve host {host!r}: {outcome[0]}") from outcome[0]
    return list(dict.fromkeys(str(info[4][0]) for info in outcome[0]))


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, refuses non-public addresses, then connects to a checked address
    (so a second DNS answer cannot swap in another one)."""

    def __init__(self, allow_hosts: frozenset[str]) -> None:
        self._allow = allow_hosts

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port, _budget(timeout, httpcore.ConnectTimeout))
        if host.lower() not in self._allow:
            for address in addresses:
                if not _is_public(address):
                    raise _Refused(f"{host} resolves to {address}, which is not a public address")
        refused: httpcore.ConnectError | None = None
        for address in addresses:  # every one was checked above; try them in turn as browsers do
            try:
                stream = super().connect_tcp(
                    address, port, _budget(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                refused = exc
                continue
            return _DeadlineStream(stream)
        raise refused or httpcore.ConnectError(f"{host} resolves to no address")


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying context per process: building one loads the CA bundle (see bench/RESULTS.md), per Fetcher it
    cost a run 2 x sources of those."""
    return httpx.create_ssl_context(trust_env=False)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, policy: FetchPolicy) -> None:
        # verify= takes the shared context, or httpx builds (and loads the CA bundle for) one of its own here.
        super().__init__(verify=_ssl_context(), trust_env=False, retries=0)
        # httpx has no public knob for the network backend; replace the pool it built with one that uses ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=64,
            max_keepalive_connections=16,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy.allow_hosts),
        )


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _Decoder:
    """Content-Encoding decoding with a bound on the output, so a gzip bomb never inflates in memory."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.limit = limit
        self.url = url
        self.size = 0
        self._raw_deflate_fallback = False
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
            self._raw_deflate_fallback = True  # servers often send raw deflate without the zlib header
        else:
            raise errors.UnsupportedContent(
                f"{url}: the server used Content-Encoding {encoding!r}, which tealeaves did not ask for",
                url=url,
            )

    def _count(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self.limit:
            raise errors.TooLarge(
                f"{self.url}: body is larger than the {self.limit:,}-byte cap once decoded; "
                "raise TEALEAVES_MAX_BYTES if this source is legitimate",
                url=self.url,
            )
        return chunk

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        if self._z is None:
            yield self._count(chunk)
            return
        data = chunk
        while data:
            # Never ask for more than what still fits under the cap (+1 to notice the overflow).
            try:
                out = self._z.decompress(data, self.limit - self.size + 1)
            except zlib.error:
                if not self._raw_deflate_fallback:
                    raise
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._raw_deflate_fallback = False
                continue
            if out:
                self._raw_deflate_fallback = False
            yield self._count(out)
            data = self._z.unconsumed_tail

    def flush(self) -> Iterator[bytes]:
        if self._z is not None:
            yield self._count(self._z.flush())


@dataclass
class _Attempt:
    """One request on its way: what a hop records and what an error message needs."""

    url: str
    deadline: float  # monotonic time by which the whole request must be done
    deadline_seconds: float  # the same, as configured (for messages)
    started: float = field(default_factory=time.monotonic)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    size: int = 0  # body bytes read off the wire so far

    def hop(self) -> Hop:
        return Hop(
            url=self.url,
            status=self.status,
            etag=self.headers.get("etag"),
            last_modified=self.headers.get("last-modified"),
            bytes=self.size,
            at=self.at,
            elapsed_ms=(time.monotonic() - self.started) * 1000,
        )


class _Pace:
    """The low-speed limit of a body: fewer than ``rate`` bytes a second over a whole ``window`` gives up
    (curl's --speed-limit and --speed-time); a server that sends nothing at all meets the read timeout."""

    def __init__(self, rate: int, window: float) -> None:
        self.rate = rate
        self.window = window
        self.since = time.monotonic()
        self.bytes = 0

    def check(self, size: int, attempt: _Attempt) -> None:
        if not self.rate:
            return
        self.bytes += size
        now = time.monotonic()
        if now - self.since < self.window:
            return
        speed = self.bytes / (now - self.since)
        if speed < self.rate:
            raise errors.FetchTimeout(
                f"{attempt.url}: the body arrived at {speed:,.0f} bytes a second over {now - self.since:.0f} s, "
                f"below the floor of {self.rate:,} (TEALEAVES_MIN_RATE); {attempt.size:,} bytes so far. The server "
                "is stalling or the link is very slow",
                url=attempt.url,
            )
        self.since, self.bytes = now, 0


def _timed_out(attempt: _Attempt, exc: BaseException) -> str:
    # httpx reports the deadline's cut-off as an ordinary read/connect timeout; say which one it was.
    if time.monotonic() >= attempt.deadline - 0.05:
        return (
            f"{attempt.url}: the {attempt.deadline_seconds:g} s deadline passed before the answer was complete "
            f"({attempt.size:,} body bytes so far)"
        )
    return f"{attempt.url}: timed out ({type(exc).__name__})"


def _bad_certificate(attempt: _Attempt, exc: BaseException) -> str:
    detail = getattr(exc, "verify_message", None) or exc
    return (
        f"{attempt.url}: the TLS certificate failed verification ({detail}); "
        "tealeaves never retries without verification"
    )


@dataclass(frozen=True)
class _Translation:
    """The error a transport failure becomes, and how its message reads."""

    error: type[errors.ExtractorError]
    message: Callable[[_Attempt, BaseException], str]
    on_the_wire: bool = True  # False: nothing was sent, so no hop is recorded


# Transport failures and what each becomes. The deepest exception in the chain that the table knows
# decides (a failed certificate check arrives as httpx.ConnectError caused by the ssl error), and among
# the rows it matches the most specific type wins (RemoteProtocolError over TransportError), as in httpx.
_TRANSLATIONS: dict[type[BaseException], _Translation] = {
    _Refused: _Translation(
        errors.BlockedURL,
        lambda a, exc: f"{a.url}: {exc}; add the host to allow_hosts in sources.toml only if you trust it",
        on_the_wire=False,
    ),
    httpx.InvalidURL: _Translation(errors.BlockedURL, lambda a, exc: f"{a.url}: not a valid URL ({exc})"),
    httpx.TimeoutException: _Translation(errors.FetchTimeout, _timed_out),
    httpx.RemoteProtocolError: _Translation(
        errors.ConnectionFailed, lambda a, exc: f"{a.url}: the server broke the HTTP exchange ({exc})"
    ),
    httpx.TransportError: _Translation(errors.ConnectionFailed, lambda a, exc: f"{a.url}: {exc or type(exc).__name__}"),
    zlib.error: _Translation(errors.ConnectionFailed, lambda a, exc: f"{a.url}: {exc or type(exc).__name__}"),
    ssl.SSLCertVerificationError: _Translation(errors.BadCertificate, _bad_certificate),
}


def _translation_for(exc: BaseException) -> tuple[_Translation, BaseException] | None:
    """The table's row for ``exc`` and the exception in its chain that matched it, or None."""
    found = None
    seen: BaseException | None = exc
    for _ in range(10):  # httpx wraps httpcore, which wraps the socket or ssl error
        if seen is None:
            break
        matches = [kind for kind in _TRANSLATIONS if isinstance(seen, kind)]
        if matches:
            best = next(k for k in matches if all(issubclass(k, other) for other in matches))
            found = (_TRANSLATIONS[best], seen)
        seen = seen.__cause__ or seen.__context__
    return found


@contextmanager
def _translated(attempt: _Attempt, hops: list[Hop]) -> Iterator[None]:
    """Record ``attempt`` in ``hops`` however the block ends, and raise transport failures as our errors."""
    try:
        yield
    except errors.ExtractorError:
        hops.append(attempt.hop())
        raise
    except Exception as exc:
        translated = _translation_for(exc)
        if translated is None:
            raise
        row, cause = translated
        if row.on_the_wire:
            hops.append(attempt.hop())
        raise row.error(row.message(attempt, cause), url=attempt.url) from exc
    hops.append(attempt.hop())


@contextmanager
def request_context(url: str, hops: Sequence[Hop]) -> Iterator[None]:
    """Give any ExtractorError raised in the block the hops made before it (``hops``, read when it is
    raised) ahead of its own, and ``url`` when it names none."""
    try:
        yield
    except errors.ExtractorError as exc:
        exc.hops = (*hops, *exc.hops)
        if exc.url is None:
            exc.url = url
        raise


# The request's own headers: a policy's extra headers may not replace them (the guard and the size cap
# rely on Host and Accept-Encoding; conditional GET on the validators).
_OWN_HEADERS = frozenset(
    {"host", "user-agent", "accept-encoding", "content-length", "transfer-encoding", "connection"}
    | {"if-none-match", "if-modified-since"}
)


def _extra_headers(policy: FetchPolicy) -> dict[str, str]:
    """The policy's extra headers, without any that would replace the request's own."""
    return {name: value for name, value in policy.extra_headers if name.lower() not in _OWN_HEADERS}


class Fetcher:
    """A configured, thread-safe HTTP client. Use as a context manager."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._client = httpx.Client(
            transport=_GuardedTransport(policy),
            trust_env=False,  # HTTP_PROXY in the environment must not route around the guard
            follow_redirects=False,  # redirects are followed by hand so every hop is checked and recorded
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            headers={**_extra_headers(policy), "User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` following at most ``max_redirects`` checked hops; raises an ExtractorError.
        ``max_bytes`` lowers the decoded-size cap for this request (robots.txt uses a smaller one)."""
        hops: list[Hop] = []
        deadline = time.monotonic() + self.policy.deadline
        token = _DEADLINE.set(deadline)
        try:
            with request_context(url, hops):
                return self._get(url, etag, last_modified, accept, hops, deadline, max_bytes or self.policy.max_bytes)
        finally:
            _DEADLINE.reset(token)

    def _get(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        accept: str,
        hops: list[Hop],
        deadline: float,
        max_bytes: int,
    ) -> FetchResult:
        seen: set[str] = set()
        current = url
        for _ in range(self.policy.max_redirects + 1):
            self._check_scheme(current, original=url)
            seen.add(current)
            headers = {"Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            status, resp_headers, body = self._one_request(current, headers, deadline, hops, max_bytes)
            if status in REDIRECT_STATUSES:
                location = resp_headers.get("location")
                if not location:
                    raise errors.HTTPStatusError(
                        f"{current}: redirect {status} without a Location header", url=current, status=status
                    )
                target = str(httpx.URL(current).join(location))
                if target in seen:
                    raise errors.TooManyRedirects(f"{url}: redirect loop back to {target}", url=url)
                current = target
                continue
            return self._final(current, status, resp_headers, body, hops)
        raise errors.TooManyRedirects(
            f"{url}: more than {self.policy.max_redirects} redirects (last: {current})", url=url
        )

    def _check_scheme(self, current: str, *, original: str) -> None:
        try:
            scheme = httpx.URL(current).scheme
        except httpx.InvalidURL as exc:
            raise errors.BlockedURL(f"{current}: not a valid URL ({exc})", url=original) from exc
        if scheme not in FETCHABLE_SCHEMES:
            where = "" if current == original else f" (redirected from {original})"
            raise errors.BlockedURL(
                f"{current}{where}: only http and https are fetched, not {scheme or 'a relative link'}",
                url=original,
            )

    def _one_request(
        self, url: str, headers: dict[str, str], deadline: float, hops: list[Hop], max_bytes: int
    ) -> tuple[int, dict[str, str], bytes]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.FetchTimeout(f"{url}: the {self.policy.deadline:g} s deadline passed", url=url)
        timeout = httpx.Timeout(
            min(self.policy.read_timeout, remaining), connect=min(self.policy.connect_timeout, remaining)
        )
        attempt = _Attempt(url, deadline, self.policy.deadline)
        with _translated(attempt, hops), self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
            attempt.status = status = response.status_code
            attempt.headers = resp_headers = {k.lower(): v for k, v in response.headers.items()}
            declared = resp_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise errors.TooLarge(
                    f"{url}: the server announces {int(declared):,} bytes, above the "
                    f"{max_bytes:,}-byte cap; nothing was read",
                    url=url,
                )
            chunks: list[bytes] = []
            if status not in REDIRECT_STATUSES and status != 304:
                decoder = _Decoder(resp_headers.get("content-encoding", ""), max_bytes, url)
                pace = _Pace(self.policy.min_rate, self.policy.min_rate_window)
                for raw in response.iter_raw():
                    attempt.size += len(raw)
                    chunks.extend(decoder.feed(raw))
                    pace.check(len(raw), attempt)
                    if time.monotonic() > deadline:
                        raise errors.FetchTimeout(
                            f"{url}: body still arriving after the {self.policy.deadline:g} s deadline "
                            f"({attempt.size:,} bytes so far)",
                            url=url,
                        )
                chunks.extend(decoder.flush())
        return status, resp_headers, b"".join(chunks)

    def _final(self, url: str, status: int, headers: dict[str, str], body: bytes, hops: list[Hop]) -> FetchResult:
        if status == 429 or status >= 500:
            wait = _retry_after(headers.get("retry-after"))
            hint = f"; it asks to come back in {wait:.0f} s" if wait is not None else ""
            raise errors.ServerBusy(f"{url}: server answered {status}{hint}", url=url, status=status, retry_after=wait)
        if status >= 400:
            raise errors.HTTPStatusError(f"{url}: server answered {status}", url=url, status=status)
        return FetchResult(url=url, status=status, headers=headers, body=body, hops=tuple(hops))


def content_type_of(headers: Mapping[str, str]) -> str:
    """The media type of a response, lower-cased, without parameters."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


__all__ = ["FetchPolicy", "FetchResult", "Fetcher", "Hop", "content_type_of", "host_of", "request_context"]
