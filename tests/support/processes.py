"""Real ``gatehouse`` processes for end-to-end tests: the server and the gateway on free ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.ports import free_port

FAST_ARGON2 = {"GATEHOUSE_ARGON2_MEMORY_KIB": "1024", "GATEHOUSE_ARGON2_TIME_COST": "1"}


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    return {**env, **FAST_ARGON2, **extra}


def wait_until(check: Any, what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something truthy (a deadline, not a timing claim)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except (httpx.HTTPError, OSError, ValueError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gatehouse.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Server:
    """``gatehouse serve`` on a free port with its own home (SQLite); restartable."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.env = base_env(GATEHOUSE_HOME=str(home))
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home.parent / f"serve-{self.port}.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gatehouse.cli", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # a fresh home (database, migrations, demo account) took 21 s at load average 17: the
        # bound is for a server that never comes up, not a pace
        wait_until(lambda: httpx.get(f"{self.url}/healthz", timeout=1).is_success, "the server", 60)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None

    def demo(self) -> dict[str, Any]:
        home = Path(self.env["GATEHOUSE_HOME"])
        found: dict[str, Any] = json.loads((home / "demo-credentials.json").read_text())
        return found


class GatewayProcess:
    """``gatehouse gateway run --http`` on a free port."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.port = free_port()
        self.env = env
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"gateway-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str) -> None:
        if "--tws-port" not in extra:  # no fixed port in tests: the TWS API only when asked
            extra = (*extra, "--no-tws")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gatehouse.cli", "gateway", "run", "--http",
                 "--port", str(self.port), *extra],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.url}/gateway/status", timeout=2).json()
        return body

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
        code = self.process.wait(20)
        self.process = None
        return code
