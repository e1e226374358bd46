"""The Bot API connection pool's cheaper readability check (bot.http_pool, issue 14)."""

from __future__ import annotations

import asyncio
import socket

import httpcore
import httpx
from aiohttp import web

from bot.app import JsonRequest
from bot.http_pool import CheapCheckBackend, CheapCheckStream, cheap_transport, socket_readable


def test_socket_readable_says_what_httpcore_says():
    from httpcore._utils import is_socket_readable

    a, b = socket.socketpair()
    try:
        assert socket_readable(a) is False and is_socket_readable(a) is False
        b.sendall(b"x")
        assert socket_readable(a) is True and is_socket_readable(a) is True
        a.recv(1)
        b.close()  # the peer closed: the next read returns b"" at once
        assert socket_readable(a) is True and is_socket_readable(a) is True
    finally:
        a.close()
    assert socket_readable(None) is True
    assert socket_readable(a) is True  # closed: no descriptor


def test_cheap_transport_wraps_the_pools_backend():
    transport = cheap_transport(httpx.Limits(max_connections=3))
    pool = transport._pool
    assert isinstance(pool, httpcore.AsyncConnectionPool)
    assert isinstance(pool._network_backend, CheapCheckBackend)
    assert pool._max_connections == 3


def test_json_request_sends_through_cheap_streams_and_reuses_connections():
    async def run() -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.json_response({"ok": True, "result": await request.json()})

        app = web.Application()
        app.router.add_post("/m", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        request = JsonRequest(connection_pool_size=2)
        await request.initialize()
        try:
            from telegram.request import RequestData
            from telegram.request._requestparameter import RequestParameter

            for i in range(5):
                data = RequestData([RequestParameter.from_input("n", i)])
                status, body = await request.do_request(f"http://127.0.0.1:{port}/m", "POST", data)
                assert status == 200 and b'"n": ' + str(i).encode() in body
            pool = request._client._transport._pool
            assert len(pool.connections) == 1  # the idle connection was checked and reused
            stream = pool.connections[0]._connection._network_stream
            assert isinstance(stream, CheapCheckStream)
            assert stream.get_extra_info("is_readable") is False
        finally:
            await request.shutdown()
            await runner.cleanup()

    asyncio.run(run())
