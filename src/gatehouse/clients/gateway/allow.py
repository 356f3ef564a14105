"""Which local client addresses may use the Gateway: loopback always, plus an allow-list of
addresses and networks (``--allow``, or a file like IBKR's ``ips.allow``: one per line, ``#``
comments)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AllowListError(ValueError):
    """An entry of the allow-list is not an address or network."""


class AllowList:
    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks: list[Network] = [
            ipaddress.ip_network("127.0.0.0/8"),
            ipaddress.ip_network("::1/128"),
        ]
        for entry in entries:
            text = entry.split("#", 1)[0].strip()
            if not text:
                continue
            try:
                self.networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                raise AllowListError(f"{text!r} is not an IP address or network.") from None
        self._seen: dict[str, bool] = {}

    @classmethod
    def load(cls, entries: Iterable[str], file: Path | None) -> AllowList:
        lines = list(entries)
        if file is not None:
            lines += file.read_text().splitlines()
        return cls(lines)

    def permits(self, host: str | None) -> bool:
        if not host:
            return False
        known = self._seen.get(host)
        if known is not None:
            return known
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        candidate = mapped or address
        allowed = any(candidate in network for network in self.networks)
        if len(self._seen) < 10_000:
            self._seen[host] = allowed
        return allowed
