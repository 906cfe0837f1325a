"""Render report pages in headless Chromium (Debian's ``chromium``) and check them.

No browser-driver library: the page is copied with a small script appended that, once
the page has loaded, measures what a reader would see and writes it as JSON into the
DOM; ``chromium --headless --dump-dom`` prints that DOM. ``--screenshot`` takes the
README's picture.

Usage: ``python tests/chromium.py screenshot PAGE.html OUT.png [WIDTH HEIGHT]``.
"""

from __future__ import annotations

import html as _html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-dev-shm-usage",
    "--mute-audio",
]

_PROBE = r"""
<script>
window.addEventListener("load", function () {
  var root = document.documentElement;
  var wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > root.clientWidth + 1 && wide.length < 10) {
      wide.push(el.tagName.toLowerCase() + "." + (el.className || "") + " right=" + Math.round(r.right));
    }
  });
  var imgs = Array.prototype.map.call(document.images, function (img) {
    return {alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
            width: img.getBoundingClientRect().width};
  });
  var out = {
    viewport: root.clientWidth,
    scroll_width: root.scrollWidth,
    wide: wide,
    images: imgs,
    visible_text: document.body.innerText,
    all_text: document.body.textContent,
    headings: Array.prototype.map.call(document.querySelectorAll("h1, h2, h3, h4, h5, h6"),
      function (h) { return {level: Number(h.tagName.substring(1)), text: h.innerText}; }),
    act_now: document.querySelectorAll(".cmalt-act-now").length,
    sortable: document.querySelectorAll("table.cmalt-sortable").length
  };
  var pre = document.createElement("pre");
  pre.id = "cmalt-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def find_chromium() -> str | None:
    """The Chromium executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="cmalt-chromium-") as profile:
        return subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def probe(page: Path, width: int = 1280, height: int = 900) -> dict:
    """Load ``page`` at ``width`` px and return what the probe measured.

    Keys: ``viewport``, ``scroll_width`` (> viewport: horizontal overflow), ``wide``
    (elements past the right edge), ``images`` (alt, loaded, width), ``visible_text``,
    ``all_text``, ``headings`` (level, text; in page order), ``act_now`` (number of
    act-now boxes), ``sortable``.
    """
    text = Path(page).read_text(encoding="utf-8")
    probed = text.replace("</body>", _PROBE + "</body>") if "</body>" in text else text + _PROBE
    with tempfile.TemporaryDirectory(prefix="cmalt-probe-") as tmp:
        copy = Path(tmp) / Path(page).name
        copy.write_text(probed, encoding="utf-8")
        res = _run(
            [
                f"--window-size={width},{height}",
                "--virtual-time-budget=15000",
                "--dump-dom",
                copy.as_uri(),
            ]
        )
    m = re.search(r'<pre id="cmalt-probe">(.*?)</pre>', res.stdout, re.S)
    if m is None:
        raise RuntimeError(
            f"chromium printed no probe result (exit {res.returncode}):\n{res.stderr[-2000:]}"
        )
    return json.loads(_html.unescape(m.group(1)))


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 900) -> Path:
    """A PNG of the top of ``page`` at ``width`` x ``height`` px."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    res = _run(
        [
            f"--window-size={width},{height}",
            "--virtual-time-budget=15000",
            f"--screenshot={png}",
            Path(page).resolve().as_uri(),
        ]
    )
    if not png.is_file():
        raise RuntimeError(f"no screenshot written (exit {res.returncode}):\n{res.stderr[-2000:]}")
    return png


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "screenshot":
        size = [int(x) for x in sys.argv[4:6]] or [1280, 900]
        print(screenshot(Path(sys.argv[2]), Path(sys.argv[3]), *size))
    elif len(sys.argv) == 3 and sys.argv[1] == "probe":
        r = probe(Path(sys.argv[2]))
        r.pop("all_text")
        r["visible_text"] = r["visible_text"][:300]
        print(json.dumps(r, indent=1))
    else:
        print(__doc__)
        sys.exit(2)
