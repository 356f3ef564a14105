"""The workspace screen: the panels of the current layout in a grid, a status bar (user,
server, channel, layout, stream), live quotes every second, account events routed to the
panels, and the layout commands (save, save as, switch, rename, delete, reset)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from gatehouse.clients.workstation import panels
from gatehouse.clients.workstation.desk import QUOTE_FIELDS, Desk, Panel, Selected
from gatehouse.clients.workstation.dialogs import AskDialog
from gatehouse.clients.workstation.layout import (
    PREVIEW,
    STATE_NAME,
    TEMPLATES,
    TITLES,
    Layout,
    LayoutError,
    PanelSpec,
    template,
)
from gatehouse.clients.workstation.layouts_store import LayoutStore
from gatehouse.clients.workstation.link import ApiError


class ChooseDialog(ModalScreen[str | None]):
    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, prompt: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.prompt = prompt
        self.choices = choices

    def compose(self) -> ComposeResult:
        options = OptionList(*(Option(text, id=key) for key, text in self.choices), id="choices")
        options.border_title = self.prompt
        yield options

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class WorkspaceScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "save_layout", "Save layout"),
        Binding("ctrl+l", "switch_layout", "Layouts"),
        Binding("ctrl+o", "add_panel", "Add panel"),
        Binding("ctrl+w", "close_panel", "Close panel"),
        Binding("ctrl+d", "detach_panel", "Detach"),
        Binding("ctrl+r", "reload", "Refresh", show=False),
        Binding("tab", "app.focus_next", "Next panel", show=False),
    ]

    def __init__(
        self,
        desk: Desk,
        layout: Layout,
        store: LayoutStore,
        status: Callable[[], str],
        *,
        quote_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.current_layout = layout
        self.store = store
        self.status_text = status
        self.quote_seconds = quote_seconds
        self.stream = "connecting"

    def compose(self) -> ComposeResult:
        yield Static("", id="status-bar")
        yield Grid(id="panels")
        yield Footer()

    async def on_mount(self) -> None:
        await self.show_layout(self.current_layout)
        if self.quote_seconds > 0:
            self.set_interval(self.quote_seconds, self.poll_quotes)
        self.poll_quotes()

    # --- layout on screen ---------------------------------------------------------------
    def panels(self) -> list[Panel]:
        return list(self.query(Panel))

    async def show_layout(self, layout: Layout) -> None:
        self.current_layout = layout
        shown = layout.for_channel(self.desk.channel)
        grid = self.query_one("#panels", Grid)
        await grid.remove_children()
        grid.styles.grid_size_columns = shown.columns
        widgets = []
        for spec in shown.panels:
            panel = panels.build(spec.kind, self.desk, spec.options)
            panel.styles.column_span = spec.span
            widgets.append(panel)
        await grid.mount_all(widgets)
        self.update_status()

    def update_status(self, stream: str | None = None) -> None:
        if stream is not None:
            self.stream = stream
        for bar in self.query("#status-bar").results(Static):  # none before compose
            bar.update(
                f"{self.status_text()}  │  layout [b]{self.current_layout.name}[/b]"
                f"  │  stream {self.stream}"
            )

    # --- quotes and events --------------------------------------------------------------
    def poll_quotes(self) -> None:
        self._poll_quotes()

    @work(group="quotes", exclusive=True, exit_on_error=False)
    async def _poll_quotes(self) -> None:
        wanted = {self.desk.conid}
        for panel in self.panels():
            wanted |= panel.conids()
        try:
            body = await self.desk.call(
                "GET",
                "iserver/marketdata/snapshot",
                params={"conids": ",".join(str(c) for c in sorted(wanted)), "fields": QUOTE_FIELDS},
            )
        except ApiError:
            return
        for quote in body if isinstance(body, list) else []:
            self.desk.quotes[int(quote["conid"])] = quote
        for panel in self.panels():
            panel.quotes_changed()

    def handle_event(self, frame: dict[str, Any]) -> None:
        kind = str(frame.get("type", ""))
        if kind == "layout.saved":
            name = str(frame.get("data", {}).get("name", ""))
            if name == self.current_layout.name and name != STATE_NAME:
                self.reload_layout(name)
        for panel in self.panels():
            panel.handle_event(frame)

    @work(group="layout", exclusive=True, exit_on_error=False)
    async def reload_layout(self, name: str) -> None:
        try:
            layout = await self.store.load(name)
        except (ApiError, LayoutError) as error:
            self.notify(str(error), severity="warning")
            return
        if layout != self.current_layout:
            await self.show_layout(layout)
            self.notify(f"Layout {name!r} was changed on another machine: updated.")

    def on_selected(self, message: Selected) -> None:
        if message.conid == self.desk.conid:
            return
        self.desk.conid, self.desk.symbol = message.conid, message.symbol
        for panel in self.panels():
            panel.selection_changed()
        self.poll_quotes()

    def action_reload(self) -> None:
        for panel in self.panels():
            panel.run_reload()

    # --- layout commands ----------------------------------------------------------------
    def current(self) -> Layout:
        """The layout as shown now (keeps preview panels hidden on the stable channel)."""
        return self.current_layout

    @work(group="layout-save", exclusive=True, exit_on_error=False)
    async def action_save_layout(self) -> None:
        await self._save(self.current())

    async def _save(self, layout: Layout) -> bool:
        try:
            await self.store.save(layout)
            await self.store.remember(layout.name)
        except (ApiError, LayoutError) as error:
            self.notify(str(error), severity="error")
            return False
        self.notify(f"Layout {layout.name!r} saved.")
        return True

    @work(group="layout-cmd", exclusive=True, exit_on_error=False)
    async def action_save_layout_as(self) -> None:
        name = await self.app.push_screen_wait(AskDialog("Save the layout as", "Name"))
        if name and await self._save(self.current_layout.renamed(name)):
            self.current_layout = self.current_layout.renamed(name)
            self.update_status()

    @work(group="layout-cmd", exclusive=True, exit_on_error=False)
    async def action_switch_layout(self) -> None:
        try:
            names = await self.store.names()
        except ApiError as error:
            self.notify(error.message, severity="error")
            return
        choices = [(name, name + ("  (template)" if name in TEMPLATES else "")) for name in names]
        name = await self.app.push_screen_wait(ChooseDialog("Switch layout", choices))
        if name:
            await self.switch_to(name)

    async def switch_to(self, name: str) -> None:
        try:
            layout = await self.store.load(name)
            await self.store.remember(name)
        except (ApiError, LayoutError) as error:
            self.notify(str(error), severity="error")
            return
        await self.show_layout(layout)

    @work(group="layout-cmd", exclusive=True, exit_on_error=False)
    async def action_rename_layout(self) -> None:
        name = await self.app.push_screen_wait(
            AskDialog("Rename the layout", "New name", self.current_layout.name)
        )
        if not name or name == self.current_layout.name:
            return
        try:
            self.current_layout = await self.store.rename(self.current_layout, name)
            await self.store.remember(name)
        except (ApiError, LayoutError) as error:
            self.notify(str(error), severity="error")
            return
        self.update_status()

    @work(group="layout-cmd", exclusive=True, exit_on_error=False)
    async def action_delete_layout(self) -> None:
        name = self.current_layout.name
        try:
            await self.store.delete(name)
        except ApiError as error:
            self.notify(error.message, severity="error")
            return
        self.notify(f"Layout {name!r} deleted.")
        await self.switch_to(next(iter(TEMPLATES)) if name not in TEMPLATES else name)

    async def action_reset_layout(self) -> None:
        base = self.current_layout.name if self.current_layout.name in TEMPLATES else "Trading"
        await self.show_layout(template(base).renamed(self.current_layout.name))
        self.notify("Layout reset to its template; Ctrl+S saves it.")

    @work(group="layout-cmd", exclusive=True, exit_on_error=False)
    async def action_add_panel(self) -> None:
        present = {spec.kind for spec in self.current_layout.panels}
        kinds = [
            k
            for k in TITLES
            if k not in present and (self.desk.channel == "latest" or k not in PREVIEW)
        ]
        kind = await self.app.push_screen_wait(
            ChooseDialog("Add a panel", [(k, TITLES[k]) for k in kinds])
        )
        if kind:
            await self.show_layout(
                self.current_layout.with_panels([*self.current_layout.panels, PanelSpec(kind)])
            )

    async def action_close_panel(self) -> None:
        panel = self.focused_panel()
        if panel is None:
            return
        kept = list(self.current_layout.panels)
        for index, spec in enumerate(kept):
            if spec.kind == panel.kind:
                del kept[index]
                break
        await self.show_layout(self.current_layout.with_panels(kept))

    def focused_panel(self) -> Panel | None:
        node = self.focused
        while node is not None and not isinstance(node, Panel):
            node = node.parent  # type: ignore[assignment]
        return node

    def action_detach_panel(self) -> None:
        panel = self.focused_panel()
        detach = getattr(self.app, "detach_panel", None)
        if panel is not None and detach is not None:
            detach(panel.kind)
        else:
            self.notify("Focus a panel first (Tab moves between panels).")
