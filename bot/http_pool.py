"""The Bot API connection pool without its per-check socket introspection (issue 14).

httpcore's pool asks every idle connection, each time a request starts or ends,
whether its socket became readable (the server closed it):
``stream.get_extra_info("is_readable")``. Over anyio that builds the socket's whole
attribute table at every call (``getpeername``, ``getsockname``…) only to take the raw
socket out of it: about half of the pool's cost, a sizeable part of the bot's CPU per
update. :class:`CheapCheckBackend` wraps the network backend so that each connection
keeps its raw socket once and answers ``is_readable`` with the same check
(:func:`httpcore._utils.is_socket_readable` semantics: poll the descriptor, a missing
descriptor counts as readable). Everything else is delegated unchanged.
"""

from __future__ import annotations

import logging
import select
import socket
import typing

import httpcore
import httpx

log = logging.getLogger(__name__)


def socket_readable(sock: socket.socket | None) -> bool:
    """Whether a read on ``sock`` would return at once (data, or the end of a closed
    connection); no socket or no descriptor counts as readable, as in httpcore."""
    fd = None if sock is None else sock.fileno()
    if fd is None or fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class CheapCheckStream(httpcore.AsyncNetworkStream):
    """A network stream whose ``is_readable`` check reuses the socket taken once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return CheapCheckStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return socket_readable(self._socket)
        return self._inner.get_extra_info(info)


class CheapCheckBackend(httpcore.AsyncNetworkBackend):
    """A network backend whose streams are :class:`CheapCheckStream`."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[typing.Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        return CheapCheckStream(await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address,
            socket_options=socket_options))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        return CheapCheckStream(await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def cheap_transport(limits: httpx.Limits, http2: bool = False) -> httpx.AsyncHTTPTransport:
    """httpx's transport with :class:`CheapCheckBackend` under its pool. Should httpx
    change its insides (no ``_pool`` with a ``_network_backend``), the transport is
    returned as it is: slower, never wrong."""
    transport = httpx.AsyncHTTPTransport(limits=limits, http1=not http2, http2=http2)
    pool = getattr(transport, "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and hasattr(pool, "_network_backend"):
        pool._network_backend = CheapCheckBackend(pool._network_backend)
    else:
        log.warning("httpx transport without the expected pool: socket checks left as they are")
    return transport
