"""The one HTTP client tealeaves uses: timeouts, an overall deadline, size caps, checked redirects
and an address guard that looks at the address actually connected to."""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpcore
import httpx

from extractors import errors
from extractors.urls import FETCHABLE_SCHEMES, host_of

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_E = TypeVar("_E", bound=BaseException)


@dataclass(frozen=True)
class FetchPolicy:
    """How every request behaves; built by ``Settings.fetch_policy``, which holds every default."""

    user_agent: str
    connect_timeout: float
    read_timeout: float
    deadline: float  # seconds for one request, redirects and body included
    max_bytes: int  # decoded body cap
    max_redirects: int
    allow_hosts: frozenset[str]  # hosts (as written in the URL) exempt from the address guard


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


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


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
        assert refused is not None
        raise refused


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying context per process: building one loads the CA bundle (tens of ms), per Fetcher it
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


class Fetcher:
    """A configured, thread-safe HTTP client. Use as a context manager."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._client = httpx.Client(
            transport=_GuardedTransport(policy),
            trust_env=False,  # HTTP_PROXY in the environment must not route around the guard
            follow_redirects=False,  # redirects are followed by hand so every hop is checked and recorded
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def __enter__(self) -> Fetcher:
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
            return self._get(url, etag, last_modified, accept, hops, deadline, max_bytes or self.policy.max_bytes)
        except errors.ExtractorError as exc:
            exc.hops = tuple(hops)
            raise
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
        started = time.monotonic()
        at = datetime.now(UTC)
        status: int | None = None
        resp_headers: dict[str, str] = {}
        size = 0

        def record() -> None:
            hops.append(
                Hop(
                    url=url,
                    status=status,
                    etag=resp_headers.get("etag"),
                    last_modified=resp_headers.get("last-modified"),
                    bytes=size,
                    at=at,
                    elapsed_ms=(time.monotonic() - started) * 1000,
                )
            )

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.FetchTimeout(f"{url}: the {self.policy.deadline:g} s deadline passed", url=url)
        timeout = httpx.Timeout(
            min(self.policy.read_timeout, remaining), connect=min(self.policy.connect_timeout, remaining)
        )
        try:
            with self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
                status = response.status_code
                resp_headers = {k.lower(): v for k, v in response.headers.items()}
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
                    for raw in response.iter_raw():
                        size += len(raw)
                        chunks.extend(decoder.feed(raw))
                        if time.monotonic() > deadline:
                            raise errors.FetchTimeout(
                                f"{url}: body still arriving after the {self.policy.deadline:g} s deadline "
                                f"({size:,} bytes so far)",
                                url=url,
                            )
                    chunks.extend(decoder.flush())
                body = b"".join(chunks)
        except errors.ExtractorError:
            record()
            raise
        except _Refused as exc:  # nothing went on the wire, so no hop is recorded
            raise errors.BlockedURL(
                f"{url}: {exc}; add the host to allow_hosts in sources.toml only if you trust it", url=url
            ) from exc
        except httpx.TimeoutException as exc:
            record()
            if time.monotonic() >= deadline - 0.05:
                raise errors.FetchTimeout(
                    f"{url}: the {self.policy.deadline:g} s deadline passed before the answer was complete "
                    f"({size:,} body bytes so far)",
                    url=url,
                ) from exc
            raise errors.FetchTimeout(f"{url}: timed out ({type(exc).__name__})", url=url) from exc
        except httpx.RemoteProtocolError as exc:
            record()
            raise errors.ConnectionFailed(f"{url}: the server broke the HTTP exchange ({exc})", url=url) from exc
        except (httpx.TransportError, zlib.error) as exc:
            record()
            bad_cert = _cause(exc, ssl.SSLCertVerificationError)
            if bad_cert is not None:
                raise errors.BadCertificate(
                    f"{url}: the TLS certificate failed verification ({bad_cert.verify_message or bad_cert}); "
                    "tealeaves never retries without verification",
                    url=url,
                ) from exc
            raise errors.ConnectionFailed(f"{url}: {exc or type(exc).__name__}", url=url) from exc
        except httpx.InvalidURL as exc:
            record()
            raise errors.BlockedURL(f"{url}: not a valid URL ({exc})", url=url) from exc
        record()
        return status, resp_headers, body

    def _final(self, url: str, status: int, headers: dict[str, str], body: bytes, hops: list[Hop]) -> FetchResult:
        if status == 429 or status >= 500:
            wait = _retry_after(headers.get("retry-after"))
            hint = f"; it asks to come back in {wait:.0f} s" if wait is not None else ""
            raise errors.ServerBusy(f"{url}: server answered {status}{hint}", url=url, status=status, retry_after=wait)
        if status >= 400:
            raise errors.HTTPStatusError(f"{url}: server answered {status}", url=url, status=status)
        return FetchResult(url=url, status=status, headers=headers, body=body, hops=tuple(hops))


def _cause(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of ``kind`` in ``exc``'s chain (httpx wraps httpcore, which wraps the ssl error)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def content_type_of(headers: Mapping[str, str]) -> str:
    """The media type of a response, lower-cased, without parameters."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


__all__ = ["FetchPolicy", "FetchResult", "Fetcher", "Hop", "content_type_of", "host_of"]
