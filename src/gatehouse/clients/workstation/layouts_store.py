"""The user's layouts on the server: list, load, save, rename, delete, and which one was
used last (a small ``workstation.state`` document), so another machine opens the same."""

from __future__ import annotations

from gatehouse.clients.workstation.layout import (
    DEFAULT,
    RESERVED_PREFIX,
    STATE_NAME,
    TEMPLATES,
    Layout,
    LayoutError,
    template,
    valid_name,
)
from gatehouse.clients.workstation.link import ApiError, Link


class LayoutStore:
    def __init__(self, link: Link) -> None:
        self.link = link

    async def names(self) -> list[str]:
        """Saved layouts and the templates not saved yet, saved ones first."""
        body = await self.link.request("GET", "layouts")
        saved = [
            str(item["name"])
            for item in body.get("layouts", [])
            if not str(item["name"]).startswith(RESERVED_PREFIX)
        ]
        return saved + [name for name in TEMPLATES if name not in saved]

    async def load(self, name: str) -> Layout:
        """The saved layout, or the template of that name, or ``LayoutError``."""
        try:
            body = await self.link.request("GET", f"layouts/{name}")
        except ApiError as error:
            if error.code not in ("layout_not_found", "not_found"):
                raise
            if name in TEMPLATES:
                return template(name)
            raise LayoutError(f"There is no layout named {name!r}.") from error
        return Layout.from_json(name, body.get("document"))

    async def save(self, layout: Layout) -> None:
        if not valid_name(layout.name):
            raise LayoutError(
                "A layout name is 1–64 letters, digits, spaces, '_', '.' or '-', "
                "starting with a letter or digit."
            )
        await self.link.request("PUT", f"layouts/{layout.name}", json=layout.to_json())

    async def delete(self, name: str) -> None:
        try:
            await self.link.request("DELETE", f"layouts/{name}")
        except ApiError as error:
            if error.code not in ("layout_not_found", "not_found"):
                raise

    async def rename(self, layout: Layout, new_name: str) -> Layout:
        renamed = layout.renamed(new_name)
        await self.save(renamed)
        if new_name != layout.name:
            await self.delete(layout.name)
        return renamed

    async def last_used(self) -> str:
        try:
            body = await self.link.request("GET", f"layouts/{STATE_NAME}")
        except ApiError:
            return DEFAULT
        document = body.get("document")
        name = document.get("last_used") if isinstance(document, dict) else None
        return str(name) if isinstance(name, str) and valid_name(name) else DEFAULT

    async def remember(self, name: str) -> None:
        await self.link.request("PUT", f"layouts/{STATE_NAME}", json={"last_used": name})

    async def restore(self) -> Layout:
        """The last used layout, falling back to the default template."""
        name = await self.last_used()
        try:
            return await self.load(name)
        except LayoutError:
            return template(DEFAULT)
