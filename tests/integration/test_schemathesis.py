"""Schemathesis over the OpenAPI document, bounded (a few examples per operation, well under a
minute): against a real ``gatehouse serve``, signed in, no operation answers with a server
error or a status the document does not declare (issue 15 #6, #12)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from tests.integration.test_serve import clean_environment
from tests.support.ports import free_port

from gatehouse.domain.clock import SystemClock
from gatehouse.domain.identity.factors import totp

LIMITS = {
    "GATEHOUSE_RATE_LIMIT_LOGIN": "100000/minute",
    "GATEHOUSE_RATE_LIMIT_VERIFY": "100000/minute",
    "GATEHOUSE_RATE_LIMIT_RECOVERY": "100000/minute",
}
EXAMPLES = 3  # per operation: bounded, the run stays well under a minute
# operations that would end the session the rest of the run uses
SKIPPED = r"/(logout|sessions/end-all|sessions/\{session_id\})$|/v1/portal/"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A real server on the embedded database, and a signed-in demo session's headers."""
    home, port = tmp_path_factory.mktemp("fuzz") / "home", free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gatehouse.cli", "serve", "--port", str(port)],
        env=clean_environment(home, **LIMITS),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Gatehouse listening on"):
                break
        base = f"http://127.0.0.1:{port}"
        yield base, _sign_in(base, home)
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _sign_in(base: str, home: Path) -> dict[str, str]:
    demo = json.loads((home / "demo-credentials.json").read_text())
    secret = demo["otpauth_uri"].split("secret=")[1].split("&")[0]
    with httpx.Client(base_url=base) as client:
        started = client.post(
            "/v1/api/auth/login",
            json={
                "username": demo["username"],
                "password": demo["password"],
                "platform": "gateway",
            },
        )
        code = totp.code_at(secret, at=SystemClock().now())
        done = client.post(
            f"/v1/api/auth/login/{started.json()['login_id']}/verify",
            json={"factor": "totp", "code": code},
        )
    assert done.status_code == 200, done.text
    return {"Authorization": f"Bearer {done.json()['token']}"}


def test_no_operation_fails_on_generated_input(served):
    base, headers = served
    schema = schemathesis.openapi.from_url(f"{base}/v1/api/openapi.json").exclude(
        path_regex=SKIPPED
    )
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=base, headers=headers, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")
            elif response.status_code >= 400:  # the one error body the document declares
                body = response.json()
                if not isinstance(body.get("error"), str) or "message" not in body:
                    failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")

        run()
    print(f"schemathesis: {operations} operations, {EXAMPLES} examples each")
    assert operations > 50
    assert not failures, failures
