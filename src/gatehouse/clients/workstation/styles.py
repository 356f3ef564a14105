"""The Workstation's Textual CSS: dense panels with titled borders, a status bar on top."""

from __future__ import annotations

CSS = """
Screen { background: $background; }
SignInScreen, SecondFactorScreen, LockScreen { align: center middle; }
#signin-box, #factor-box, #lock-box {
    width: 72; height: auto; margin: 1 2; padding: 1 2; border: round $primary;
}
#brand { text-style: bold; color: $accent; margin-bottom: 1; }
.heading { text-style: bold; margin-bottom: 1; }
.choices { height: auto; }
.choice-label { width: 10; padding: 1 0; }
.choices Select { width: 1fr; }
.error { color: $error; margin-top: 1; }
.notice { color: $warning; }
#version-note { color: $warning; }
#server-address { color: $text-muted; }
#factor-choices { height: auto; }
.factor { margin-right: 1; }
#factor-body { height: auto; margin-top: 1; }
#push-number { width: auto; color: $accent; }
#card-row { height: auto; }
#card-row Input { width: 12; }
#factor-actions { height: auto; }
#status-bar { height: 1; background: $primary-background; padding: 0 1; }
#panels { grid-gutter: 0; height: 1fr; }
.panel { border: round $panel-lighten-2; height: 100%; padding: 0 1; }
.panel:focus-within { border: round $accent; }
.panel DataTable { height: 1fr; }
.ticket-row { height: 3; }
.ticket-row Select { width: 16; }
.ticket-row Input { width: 1fr; }
#ticket-result { height: auto; }
#quote-chart { height: 1fr; color: $accent; }
.dialog {
    width: 70; height: auto; padding: 1 2; border: thick $accent; background: $surface;
}
.dialog-buttons { height: auto; margin-top: 1; }
.dialog-buttons Button { margin-right: 1; }
ModalScreen { align: center middle; }
#choices { width: 50; height: auto; max-height: 20; border: thick $accent; }
"""
