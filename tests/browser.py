"""A real headless browser for the tests: Debian's Chromium, driven over DevTools.

:func:`browser` finds Chromium (outside CI a missing browser skips the test; in CI, where
``.ci/run`` installs it, it fails), :func:`launch` starts it headless on a fresh profile and
yields the DevTools websocket of its page, and :class:`DevTools` is a minimal client of the
Chrome DevTools Protocol (tornado's websocket): navigate, evaluate, screenshot, print to PDF,
and the network requests the page made. Used by ``tests/test_site.py`` (the course website)
and ``tests/test_report.py`` (the report as a document).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str:
    """The Chromium executable; skip the test when there is none (fail in CI)."""
    found = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    if found is None:
        reason = "Chromium is not installed (apt-get install chromium; .ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: in CI the browser test must run")
        pytest.skip(reason)
    return found


@contextmanager
def launch(profile: Path, window: str = "1280,1000") -> Iterator[str]:
    """Start headless Chromium on ``profile``; yield its page's DevTools websocket URL."""
    executable = browser()
    process = subprocess.Popen(
        [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={window}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"{executable} did not start its DevTools endpoint")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            targets = json.load(response)
        yield next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
    finally:
        process.terminate()
        process.wait(timeout=10)


class DevTools:
    """A minimal Chrome DevTools Protocol client on one page (tornado's websocket).

    ``events`` holds the names of the events received, ``messages`` the events themselves.
    """

    def __init__(self, url: str):
        self.url, self.next_id, self.events, self.messages = url, 0, [], []

    async def __aenter__(self):
        from tornado.websocket import websocket_connect

        self.socket = await websocket_connect(self.url, max_message_size=256 * 2**20)
        return self

    async def __aexit__(self, *exc):
        self.socket.close()

    def _event(self, message: dict) -> None:
        self.events.append(message.get("method"))
        self.messages.append(message)

    async def call(self, method: str, **params):
        self.next_id += 1
        await self.socket.write_message(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.read_message(), 120))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    async def wait_for(self, event: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while event not in self.events:
            remaining = deadline - time.monotonic()
            message = json.loads(await asyncio.wait_for(self.socket.read_message(), remaining))
            self._event(message)

    async def open(self, url: str, expression: str) -> object:
        """Load ``url``, wait for its load event, return ``expression`` evaluated in it."""
        self.events.clear()
        self.messages.clear()
        await self.call("Page.navigate", url=url)
        await self.wait_for("Page.loadEventFired")
        return await self.evaluate(expression)

    async def evaluate(self, expression: str) -> object:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"]["value"]

    def requests(self) -> list[str]:
        """The URLs the page requested since it was opened (needs ``Network.enable``)."""
        return [
            m["params"]["request"]["url"]
            for m in self.messages
            if m.get("method") == "Network.requestWillBeSent"
        ]

    async def screenshot(self, path: Path, *, full_page: bool = False) -> None:
        params = {"format": "png"}
        if full_page:
            size = (await self.call("Page.getLayoutMetrics"))["cssContentSize"]
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            )
        shot = await self.call("Page.captureScreenshot", **params)
        path.write_bytes(base64.b64decode(shot["data"]))

    async def print_pdf(self, path: Path) -> bytes:
        """Print the page to PDF as a reader's browser would (CSS page size, backgrounds)."""
        pdf = await self.call("Page.printToPDF", printBackground=True, preferCSSPageSize=True)
        data = base64.b64decode(pdf["data"])
        path.write_bytes(data)
        return data
