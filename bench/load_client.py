"""The load client of `web_bench`: N keep-alive HTTP/1.1 connections on one asyncio loop,
in a process of its own.

Run by ``web_bench.load`` (``python load_client.py PORT PATH TOKEN CLIENTS SECONDS PAUSE``),
it prints one JSON line: the latencies in ms of the answers 200 and the first errors. One
loop in a small process measures the server, not the client: 50 Python threads in the
bench's own process (which holds the ledger, Django and polars) waited for each other's
turn at the interpreter and counted that wait as the server's latency.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import sys
import time


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response: its status and body (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = b""
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def _client(
    i: int, port: int, request: bytes, stop_at: float, pause: float, out: dict
) -> None:
    pacing = random.Random(i)
    if pause:  # paced clients come at their own moments
        await asyncio.sleep(pacing.random() * pause)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < stop_at:
        t0 = time.perf_counter()
        try:
            writer.write(request)
            status, body = await _answer(reader)
            if status == 200:
                out["latencies"].append((time.perf_counter() - t0) * 1000)
            else:
                out["errors"].append(f"HTTP {status}: {body[:200]!r}")
        except (OSError, asyncio.IncompleteReadError, ValueError) as err:
            out["errors"].append(f"{err.__class__.__name__}: {err}")
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        if pause:
            await asyncio.sleep(pacing.expovariate(1 / pause))
    writer.close()


async def _main(port: int, path: str, token: str, clients: int, seconds: float, pause: float):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    out: dict = {"latencies": [], "errors": []}
    began = time.perf_counter()
    stop_at = began + seconds
    await asyncio.gather(*(_client(i, port, request, stop_at, pause, out) for i in range(clients)))
    out["seconds"] = time.perf_counter() - began
    return out


if __name__ == "__main__":
    gc.disable()  # a short-lived client: no collection pauses in its measures
    port, path, token, clients, seconds, pause = sys.argv[1:7]
    result = asyncio.run(_main(int(port), path, token, int(clients), float(seconds), float(pause)))
    result["error_count"] = len(result["errors"])
    result["errors"] = result["errors"][:5]
    print(json.dumps(result))
