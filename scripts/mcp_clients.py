"""Checks the bridges' /mcp endpoint with the official MCP Python SDK (`pip install mcp`).

Starts a fake National Bank of Moldova feed and `bridge serve maib` against it, then, in
the SDK's default mode (2026-07-28 with fallback) and in `mode="legacy"` (initialize,
2025-11-25): lists tools, calls `maib_get_exchange_rates`, and checks a bad call comes
back as an `isError` result. Exits non-zero on any failure.

Usage: python scripts/mcp_clients.py path/to/bridge
"""

import asyncio
import json
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import mcp

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<ValCurs Date="08.04.2026" name="Official exchange rate">
<Valute ID="47"><NumCode>978</NumCode><CharCode>EUR</CharCode><Nominal>1</Nominal><Name>Euro</Name><Value>19.8412</Value></Valute>
<Valute ID="25"><NumCode>392</NumCode><CharCode>JPY</CharCode><Nominal>100</Nominal><Name>Japanese Yen</Name><Value>10.9277</Value></Valute>
</ValCurs>"""


class FakeBnm(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = FEED.encode()
        self.send_response(200)
        self.send_header("content-type", "text/xml; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def exercise(url, mode):
    async with mcp.Client(url, mode=mode) as client:
        tools = await client.list_tools()
        names = [t.name for t in tools.tools]
        assert names == ["maib_get_exchange_rates"], names
        tool = tools.tools[0]
        assert tool.output_schema is not None, "outputSchema missing"
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
        ok = await client.call_tool(
            "maib_get_exchange_rates", {"date": "2026-04-08", "currencies": ["JPY"]}
        )
        assert not ok.is_error, ok
        rates = ok.structured_content["rates"]
        assert rates[0]["code"] == "JPY" and rates[0]["rate"] == "0.109277", rates
        bad = await client.call_tool("maib_get_exchange_rates", {"date": "yesterday"})
        assert bad.is_error, bad
        assert bad.structured_content is None, bad
        error = json.loads(bad.content[0].text)["error"]
        assert error["code"] == "invalid_arguments", error
        print(f"mcp {mcp_version()} mode={mode}: tools/list {names}; tools/call ok "
              f"(JPY rate {rates[0]['rate']}); bad call isError with {error['violations'][0]}")


def mcp_version():
    from importlib.metadata import version
    return version("mcp")


def main():
    binary = sys.argv[1]
    feed = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeBnm)
    threading.Thread(target=feed.serve_forever, daemon=True).start()
    port = free_port()
    env = dict(os.environ, BNM_RATES_URL=f"http://127.0.0.1:{feed.server_port}/en/official_exchange_rates",
               LOG_LEVEL="warn")
    server = subprocess.Popen([binary, "serve", "maib", "--port", str(port)], env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/mcp"
        asyncio.run(exercise(url, "auto"))
        asyncio.run(exercise(url, "legacy"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        feed.shutdown()


if __name__ == "__main__":
    main()
