"""Makes docs/mapper_page.png, the README's picture of the interactive Mapper page.

    PYTHONPATH=src python docs/mapper_page.py docs/mapper_page.png

Needs playwright and a system chromium. The page is the Mapper graph of the
natural patches' X(300, 30%); three nodes are selected and one hovered.
"""

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

import fasttda

a = fasttda.analyze(fasttda.datasets.natural_patches(), k=300, norm="D")
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "page.html"
    fasttda.plot.mapper_html(a, path, title="Mapper graph of X(300, 30%) of the natural 3x3 patches: primary circle")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 640})
        page.goto(path.as_uri())
        page.wait_for_selector('#status[data-state="ready"]', state="attached")
        order = np.argsort(-a.graph.size)
        for v in order[:3]:
            page.click(f'#nodes circle[data-node="{v}"]', modifiers=["Shift"], force=True)
        page.hover(f'#nodes circle[data-node="{order[5]}"]', force=True)
        page.screenshot(path=sys.argv[1])
        browser.close()
