"""Clients reach the API only through the SDK: no API URL is written outside clients/sdk.

Docstrings may mention paths; code may not build them (use the SDK's methods, ``request``,
or ``gatehouse.clients.sdk.transport.API_PREFIX`` for a local listener's routes).
"""

from __future__ import annotations

import ast
from pathlib import Path

import gatehouse.clients

CLIENTS = Path(gatehouse.clients.__file__).parent
API_PATHS = ("/v1/api", "/v1/portal", "v1/api/", "v1/portal/")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def api_urls(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in code that names an API path."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and any(path in node.value for path in API_PATHS)
    ]


def test_the_scan_finds_urls_in_code_but_not_in_docstrings():
    source = '"""Talks to /v1/api/events."""\nURL = "/v1/api/tickle"\nf"/v1/portal/{x}"\n'
    assert [line for line, _ in api_urls(source)] == [2, 3]


def test_no_client_outside_the_sdk_builds_an_api_url():
    offenders = [
        f"{path.relative_to(CLIENTS.parent)}:{line}: {text!r}"
        for path in sorted(CLIENTS.rglob("*.py"))
        if "sdk" not in path.relative_to(CLIENTS).parts[:1]
        for line, text in api_urls(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "route these through gatehouse.clients.sdk:\n" + "\n".join(offenders)
