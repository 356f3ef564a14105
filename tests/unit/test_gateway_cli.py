"""``gatehouse gateway`` refuses bad input with a reason and its exit code, touching nothing."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.support.ports import free_port
from typer.testing import CliRunner

from gatehouse.cli.app import app as cli_app
from gatehouse.clients.gateway import keystore

ENROLLMENT = keystore.Enrollment(
    server="http://127.0.0.1:9",
    username="alice",
    environment="paper",
    device_id="d" * 24,
    scope="trade",
    name="bot",
    registered_at="2026-12-05T00:00:00+00:00",
)


def gateway(tmp_path, *args: str, passphrase: str = "correct horse battery"):
    env = {"GATEHOUSE_GATEWAY_HOME": str(tmp_path), "GATEHOUSE_GATEWAY_PASSPHRASE": passphrase}
    return CliRunner().invoke(cli_app, ["gateway", *args], env=env)


def closed_port() -> int:
    return free_port()  # nothing listens there


def test_bad_options_are_usage_errors(tmp_path):
    for args in (["--environment", "demo"], ["--scope", "admin"]):
        result = gateway(tmp_path, "login", "--username", "alice", *args)
        assert result.exit_code == 2, result.output
        assert "live or paper" in result.output
    assert not (tmp_path / "device.json").exists()


def test_an_upstream_cap_out_of_range_is_a_usage_error(tmp_path):
    for args in (["--upstream-connections", "0"], ["--upstream-wait", "0"]):
        result = gateway(tmp_path, "run", "--http", "--no-tws", *args)
        assert result.exit_code == 2, result.output
        assert "upstream" in result.output


def test_run_says_why_it_cannot_start(tmp_path):
    missing = gateway(tmp_path, "run", "--http", "--no-tws")
    assert missing.exit_code == 1 and "gateway login" in missing.output
    keystore.save(
        tmp_path / "device.json", ENROLLMENT, Ed25519PrivateKey.generate(), "correct horse battery"
    )
    wrong = gateway(tmp_path, "run", "--http", "--no-tws", passphrase="not the passphrase")
    assert wrong.exit_code == 1 and "passphrase" in wrong.output
    bad_allow = gateway(tmp_path, "run", "--http", "--no-tws", "--allow", "10.0.0.0/33")
    assert bad_allow.exit_code == 1 and "not an IP address or network" in bad_allow.output


def test_status_without_a_gateway_fails_with_the_reason(tmp_path):
    port = str(closed_port())
    plain = gateway(tmp_path, "status", "--http", "--port", port)
    assert plain.exit_code == 1 and "No gateway answers" in plain.output
    tls = gateway(tmp_path, "status", "--port", port)
    assert tls.exit_code == 1 and "No gateway certificate" in tls.output
