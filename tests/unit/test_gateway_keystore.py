"""The Gateway's sealed device file and its self-signed certificate."""

from __future__ import annotations

import json
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from gatehouse.clients.gateway import keystore, tls

ENROLLMENT = keystore.Enrollment(
    server="http://127.0.0.1:8000",
    username="alice",
    environment="paper",
    device_id="d" * 24,
    scope="read-only",
    name="bot",
    registered_at="2026-12-05T00:00:00+00:00",
)


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def test_the_key_is_sealed_under_the_passphrase_in_a_private_file(tmp_path):
    path = tmp_path / "gw" / "device.json"
    key = Ed25519PrivateKey.generate()
    keystore.save(path, ENROLLMENT, key, "correct horse battery")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert raw(key).hex() not in text and "correct horse" not in text
    assert keystore.enrollment(path) == ENROLLMENT  # readable without the passphrase
    opened = keystore.unseal(path, "correct horse battery")
    assert opened.enrollment == ENROLLMENT and raw(opened.private_key) == raw(key)
    with pytest.raises(keystore.DeviceFileError, match="passphrase"):
        keystore.unseal(path, "wrong horse battery")


def test_the_clear_part_cannot_be_edited(tmp_path):
    path = tmp_path / "device.json"
    keystore.save(path, ENROLLMENT, Ed25519PrivateKey.generate(), "correct horse battery")
    document = json.loads(path.read_text())
    document["enrollment"]["scope"] = "trade"
    path.write_text(json.dumps(document))
    with pytest.raises(keystore.DeviceFileError):
        keystore.unseal(path, "correct horse battery")


@pytest.mark.parametrize("content", ["", "{}", '{"format": "gatehouse-key/1"}', "[1]"])
def test_other_files_are_refused_with_a_reason(tmp_path, content):
    path = tmp_path / "device.json"
    path.write_text(content)
    with pytest.raises(keystore.DeviceFileError):
        keystore.unseal(path, "correct horse battery")
    with pytest.raises(keystore.DeviceFileError, match="gateway login"):
        keystore.enrollment(tmp_path / "missing.json")


def test_a_short_passphrase_is_refused(tmp_path):
    with pytest.raises(keystore.DeviceFileError, match="at least"):
        keystore.save(tmp_path / "d.json", ENROLLMENT, Ed25519PrivateKey.generate(), "short")
    assert not (tmp_path / "d.json").exists()


def test_the_certificate_is_made_once_for_localhost(tmp_path):
    cert_path, key_path = tls.ensure_certificate(tmp_path / "tls")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    before = cert_path.read_bytes()
    assert tls.ensure_certificate(tmp_path / "tls") == (cert_path, key_path)
    assert cert_path.read_bytes() == before
