"""The Data Docs validation page in a real headless browser with networking off.

Skips only where no Chromium is installed (.ci/run installs Debian's chromium). The screenshot is
kept in $POISON_GUARD_TEST_OUTPUT (CI sets it to test-output/) or the test's temporary folder.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gx_poison_guard.cli import main

from .test_rendering import SENTENCE_WORDS

BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed")
OFFLINE = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]  # every request fails: offline


def _chromium(args, tmp_path):
    cmd = [BROWSER, *OFFLINE, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_validation_page_shows_sentences_and_charts_offline(tmp_path, capsys):
    from gx_poison_guard.demo import run_demo
    from gx_poison_guard.project import Project

    project = Project(tmp_path / "project")
    run_demo(project, say=lambda _: None)
    assert main(["--project", str(project.root), "--quiet", "check", str(project.root / "data/demo/card_transactions_poisoned.csv"),
                 "--name", "card_transactions", "--source", "test", "--json"]) == 1
    page = Path(json.loads(capsys.readouterr().out)["data_docs"])
    assert page.is_file()

    dom = _chromium(["--dump-dom", page.as_uri()], tmp_path).stdout
    for words in SENTENCE_WORDS.values():
        assert words in dom
    assert dom.count("<svg") >= 7 and "Observed" in dom
    assert "Most changed correlations" in dom and "threshold" in dom
    assert '"raw"' not in dom and "baseline_sha256" not in dom  # no raw kwargs on the page
    assert "\\2714" in dom  # offline stylesheet drawing the status icons

    out = Path(os.environ.get("POISON_GUARD_TEST_OUTPUT") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    shot = out / "data_docs_validation_page.png"
    _chromium(["--window-size=1200,2600", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert shot.is_file() and shot.stat().st_size > 50_000  # a blank page is a few kB
