"""The README's screenshots: a demand's match page and the logged-in dashboard, 1280 px wide.

    PORT=5001 make run &                      # the demo instance (loads the demo on first start)
    .venv/bin/python scripts/screenshots.py   # → docs/screenshots/match.png, dashboard.png

It drives Debian's Chromium through Playwright exactly as tests/e2e/ does (no browser download),
logs in as a demo account through the login form (so the session cookie and CSRF token are real),
and keeps each PNG under --max-kb by reducing it to a 256-colour palette when it is larger.
`--start` runs `make run` on the port itself and stops it afterwards.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs/screenshots"
PASSWORD = "demo-password-2026"  # noqa: S105 - the public demo password (tt_platform/demo/loader.py)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def wait_for(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - a loopback URL built from --port
                return True
        except OSError:
            time.sleep(1)
    return False


def shrink(path: Path, max_kb: int) -> None:
    if path.stat().st_size <= max_kb * 1024:
        return
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def shoot(base: str, email: str, demand: int, width: int, height: int, max_kb: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("Debian's chromium is not installed (make system-deps installs it)")
    OUT.mkdir(parents=True, exist_ok=True)
    shots = [(OUT / "match.png", f"/matches/demand/{demand}"), (OUT / "dashboard.png", "/dashboard")]
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=executable, args=CHROMIUM_ARGS, locale="zh-CN",
            viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        for path, url in shots:
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(path))
            shrink(path, max_kb)
        context.close()
    return [path for path, _url in shots]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--start", action="store_true", help="run `make run` on --port for the duration")
    parser.add_argument("--email", default="enterprise@demo.example.cn", help="demo account to log in as")
    parser.add_argument("--demand", type=int, default=1, help="id of the demand whose match page is shown")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--max-kb", type=int, default=300)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryFile() as log:
        server = None
        if args.start:
            server = subprocess.Popen(["make", "run"], cwd=ROOT, env={**os.environ, "PORT": str(args.port)},
                                      start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        try:
            if not wait_for(f"{base}/login", 600 if args.start else 10):
                log.seek(0)
                sys.exit(log.read().decode(errors="replace")[-3000:] + f"\nnothing answers at {base}; "
                         "start the demo with `PORT=5001 make run` or pass --start")
            for path in shoot(base, args.email, args.demand, args.width, args.height, args.max_kb):
                print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
        finally:
            if server is not None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
