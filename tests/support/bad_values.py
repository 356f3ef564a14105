"""Values that used to crash endpoints (issue 15 #6), and every operation of the OpenAPI
document to send them to: lone surrogates, huge and tiny numbers, out-of-range integers."""

from __future__ import annotations

from typing import Any

SURROGATE_BODIES: dict[str, bytes] = {
    "escaped lone surrogate": b'{"a": "\\ud800", "name": "\\udfff"}',
    "raw surrogate bytes": b'{"a": "\xed\xa0\x80"}',
    "surrogate as a key": b'{"\\ud800": 1}',
}
NUMBERS: dict[str, object] = {
    "1e308": 1e308,
    "10^30": 10**30,
    "1e-308": 1e-308,
    "2^70": 2**70,
    "-2^70": -(2**70),
}
FALLBACK_FIELDS = ["quantity", "conid", "price", "amount"]
SKIPPED = ("/logout", "/sessions/end-all", "/docs", "/openapi.json")  # would end the sweep


def operations(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(method, path with ids filled in, top-level body fields) for every operation."""
    found = []
    for path, ops in document["paths"].items():
        if not path.startswith("/v1/api/") or path.endswith(SKIPPED):
            continue
        filled = path
        for part in path.split("/"):
            if part.startswith("{"):
                filled = filled.replace(part, "1" if "conid" in part or part[1:-1] == "id" else "x")
        for method, op in ops.items():
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            fields = _fields(document, op) or FALLBACK_FIELDS
            found.append((method.upper(), filled, fields[:6]))
    return found


def _fields(document: dict[str, Any], op: dict[str, Any]) -> list[str]:
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    ref = schema.get("$ref")
    if ref:
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return list(schema.get("properties", {}))
