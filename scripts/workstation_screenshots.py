"""PNG screenshots of the Workstation for README.md and docs/workstation.md, rendered from
the SVG snapshots its tests keep (tests/e2e/snapshots/workstation-*.svg) by Chromium.

    GATEHOUSE_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/e2e/test_workstation_snapshots.py
    .venv/bin/python scripts/workstation_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

from playwright.async_api import Route, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SNAPSHOTS = Path(__file__).resolve().parent.parent / "tests" / "e2e" / "snapshots"
NAMES = ("signin", "trading", "monitor", "research", "trading-latest")


async def offline(route: Route) -> None:
    await route.abort()  # the SVG names a web font; the local monospace font is used


async def render(out: Path) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name in NAMES:
            svg = SNAPSHOTS / f"workstation-{name}.svg"
            box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text(encoding="utf-8"))
            assert box, f"{svg} has no viewBox"
            width, height = int(float(box.group(1))), int(float(box.group(2)))
            page = await browser.new_page(viewport={"width": width, "height": height})
            await page.route("http*://**", offline)
            await page.goto(svg.as_uri())
            await page.screenshot(path=str(out / f"workstation-{name}.png"))
            await page.close()
            print(f"wrote {out / f'workstation-{name}.png'}")
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(render(out))


if __name__ == "__main__":
    main()
