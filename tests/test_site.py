"""The course as a website: `mkdocs build --strict` succeeds, and the built chapter 2 page, opened in
headless chromium, shows the chain-rule picture (the graph drawn with ``wrt="w5"``, whose footer reads
∂E_total/∂w5 = ... = 0.082167041, the textbook's number).

The chapters are executed once per test run: tests/test_notebook_outputs.py keeps each executed
chapter, and the site is built from those (docs/hooks.py runs any chapter that is missing, except in
.ci/run's numpy-twin pass, which leaves the notebooks out and skips this). The browser part skips
only where no chromium is installed (CI installs Debian's `chromium`).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_notebook_outputs import EXECUTED

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocs_jupyter")
pytest.importorskip("mkdocstrings")
pytest.importorskip("latex2mathml")  # docs/hooks.py typesets the formulas with it

ROOT = Path(__file__).resolve().parents[1]
CHAIN_RULE = "∂E_total/∂w5"
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    executed = {p.name for p in EXECUTED.glob("*.ipynb")}
    missing = [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p.name not in executed]
    if missing and os.environ.get("TINYGRAD_EDU_JIT") == "0":
        # .ci/run's second pass (the numpy twins) leaves the notebooks out; its first pass built the site
        pytest.skip("the numpy-twin pass does not run the notebooks; the first pass built the site from them")
    out = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "TINYGRAD_EDU_EXECUTED_NOTEBOOKS": str(EXECUTED),
        "NO_MKDOCS_2_WARNING": "1",
        "CI": "true",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_every_chapter_and_the_api_reference_are_pages(site: Path) -> None:
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert (site / "notebooks" / nb.stem / "index.html").exists(), nb.name
    api = (site / "api" / "index.html").read_text()
    assert "check_slope" in api and "draw_dot" in api  # from the docstrings


#: Added to a copy of the page: after loading, every <img> records the width the browser decoded it at.
PROBE = (
    "<script>window.addEventListener('load', function () { var a = document.images;"
    " for (var i = 0; i < a.length; i++) a[i].setAttribute('data-rendered-width', a[i].naturalWidth); });</script>"
)
SVG_IMG = re.compile(r'<img[^>]*?src="data:image/svg\+xml;base64,([^"]+)"[^>]*>')


def test_chapter_2_page_shows_the_chain_rule_picture_in_a_browser(site: Path, tmp_path: Path) -> None:
    page = site / "notebooks" / "02_step_by_step_backprop" / "index.html"
    html = page.read_text()
    pictures = [base64.b64decode(b).decode() for b in SVG_IMG.findall(html)]
    assert any(CHAIN_RULE in p and "0.082167041" in p for p in pictures), "no chain-rule picture on the page"
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI installs it")
    probe = page.with_name("probe.html")  # beside the page, so its stylesheets and scripts load as they do
    probe.write_text(html.replace("</body>", PROBE + "</body>"))
    run = [browser, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", probe.as_uri()]
    dom = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shown = [
        (int(m.group(1)), base64.b64decode(m.group(2)).decode())
        for m in re.finditer(
            r'<img[^>]*?data-rendered-width="(\d+)"[^>]*?src="data:image/svg\+xml;base64,([^"]+)"', dom.stdout
        )
    ] + [
        (int(m.group(2)), base64.b64decode(m.group(1)).decode())
        for m in re.finditer(
            r'<img[^>]*?src="data:image/svg\+xml;base64,([^"]+)"[^>]*?data-rendered-width="(\d+)"', dom.stdout
        )
    ]
    widths = [w for w, svg in shown if CHAIN_RULE in svg]
    assert widths, f"the browser shows {len(shown)} SVG pictures, none with {CHAIN_RULE}"
    assert min(widths) >= 300, f"the chain-rule picture was decoded {widths} px wide"


#: A resource a page would fetch from another host: a script, style, picture or frame, an import() or a url().
EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe|source)\b[^>]*?(?:src|href)=[\"'](?:https?:)?//"
    r"|import\(\s*[\"'](?:https?:)?//|url\(\s*[\"']?(?:https?:)?//"
)


def test_pages_fetch_nothing_from_another_host_and_formulas_are_mathml(site: Path) -> None:
    """Offline readers and CI have no CDN: every page's scripts, styles and fonts are the site's own,
    and the chapters' formulas arrive typeset (MathML, drawn by the browser), not as TeX for a script."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 15
    for page in pages:
        found = EXTERNAL.search(page.read_text())
        assert found is None, f"{page.relative_to(site)} fetches {found.group(0)!r}..."
    chapter1 = (site / "notebooks" / "01_value_and_graphs" / "index.html").read_text()
    assert chapter1.count("<math") >= 20 and "<mi>tanh</mi>" in chapter1
    assert "\\frac" not in chapter1 and "\\tanh" not in chapter1  # no TeX left for a script to typeset
