"""Times recovery requests from a process of its own, as an attacker would from outside:
``python -m tests.support.timing_client BASE_URL KIND PAIRS KNOWN UNKNOWN`` prints JSON
``{"known": [seconds…], "unknown": [seconds…]}`` (pairs interleaved, each in random order).

KIND is ``forgot``, ``questions``, ``sms`` or ``verify`` (wrong answers and code: the Argon2
work on the answers, or on the dummy hash for an unknown name)."""

from __future__ import annotations

import json
import random
import sys
import time

import httpx

WRONG = {"answers": ["not it", "nor this", "nope"], "factor": "totp", "code": "000000"}


def timed(client: httpx.Client, kind: str, name: str) -> float:
    if kind in ("sms", "verify"):  # only this step is timed; its attempt is started first
        started = client.post("/v1/api/recovery/questions", json={"username": name})
        path = f"/v1/api/recovery/questions/{started.json()['recovery_id']}/{kind}"
        body = WRONG if kind == "verify" else None
        begin = time.perf_counter()
        answer = client.post(path, json=body)
    else:
        path = "/v1/api/recovery/password" if kind == "forgot" else "/v1/api/recovery/questions"
        begin = time.perf_counter()
        answer = client.post(path, json={"username": name})
    elapsed = time.perf_counter() - begin
    expected = (401,) if kind == "verify" else (200, 202)
    if answer.status_code not in expected:
        raise SystemExit(f"{kind} {name}: {answer.status_code} {answer.text}")
    return elapsed


def main(base_url: str, kind: str, pairs: int, known: str, unknown: str) -> None:
    rng = random.Random(15)
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        # warm up both paths (verify: few, each is a failure counted against the hard cap of 100)
        for _ in range(5 if kind == "verify" else 20):
            timed(client, kind, known)
            timed(client, kind, unknown)
        for _ in range(pairs):
            order = [("known", known), ("unknown", unknown)]
            rng.shuffle(order)  # interleaved, in random order, so drift hits both alike
            for label, name in order:
                times[label].append(timed(client, kind, name))
    print(json.dumps(times))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
