"""Figures and the self-contained HTML report: valid PNGs, inlined, escaped, and rendered by a browser."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from anyconv.bench.aggregate import cells
from anyconv.bench.plots import (
    plot_learning_curves,
    plot_metric_vs_seq_len,
    write_plots,
)
from anyconv.bench.report import read_results, write_report
from tests.bench.test_leaderboard import make_result

PLOTS = ("metric_by_task", "metric_vs_params", "metric_vs_time", "learning_curves", "metric_vs_seq_len")


def _history(final: float) -> list[dict[str, Any]]:
    return [{"step": s, "train_loss": 1.0, "val_loss": 1.0, "val_metric": final * s / 300, "elapsed_s": s / 10.0}
            for s in (100, 200, 300)]


def _results() -> list[dict[str, Any]]:
    out = []
    for layer, base, params in (("hyena1d", 0.7, 40000), ("<b>evil</b>", 0.4, 9000), ("shortconv1d", 0.2, 3000)):
        for seed, delta in ((0, -0.2), (1, 0.0), (2, 0.2)):
            out.append(make_result(layer, seed, base + delta, params=params, wall=5.0 + seed,
                                   baseline=layer == "shortconv1d", history=_history(base + delta)))
            for length in (1024, 4096, 16384):
                out.append(make_result(layer, seed, base * 1024 / length, task="long-copy", seq_len=length,
                                       params=params, wall=length / 100, suite="long"))
    out.append(make_result("hyena1d", 0, 0.1, task="mqar", status="interrupted", steps=50, chance=0.01))
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    when = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
    return write_report(_results(), tmp_path_factory.mktemp("report"), title="Quick <suite> & co", generated_at=when)


def test_write_report_writes_every_file(report):
    assert set(report) == {"csv", "md", "html", *PLOTS}
    out = report["html"].parent
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(f"{name}.png" for name in PLOTS)
    assert not [p for p in out.rglob(".tmp-*")]  # atomic writes leave no temporary files


@pytest.mark.parametrize("name", PLOTS)
def test_every_plot_is_a_valid_png_of_real_size(report, name):
    path = report[name]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        width, height = image.size
        extrema = image.convert("L").getextrema()
    assert width >= 300 and height >= 200 and path.stat().st_size > 10_000
    assert extrema[0] < 100 and extrema[1] > 200  # dark ink on a light background, not a blank canvas


def test_plots_without_data_are_skipped(tmp_path):
    plain = cells([make_result("hyena1d", 0, 0.5), make_result("shortconv1d", 0, 0.2)])  # no history, one length
    assert plot_learning_curves(plain, tmp_path / "curves.png") is None
    assert plot_metric_vs_seq_len(plain, tmp_path / "lengths.png") is None
    assert sorted(write_plots(plain, tmp_path / "plots")) == ["metric_by_task.png", "metric_vs_params.png",
                                                              "metric_vs_time.png"]
    assert write_plots([], tmp_path / "empty") == {} and not (tmp_path / "empty").exists()
    assert not (tmp_path / "curves.png").exists() and not (tmp_path / "lengths.png").exists()


def test_html_inlines_every_plot_and_loads_nothing_external(report):
    html = report["html"].read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert len(sources) == len(PLOTS)
    for name in PLOTS:
        encoded = base64.b64encode(report[name].read_bytes()).decode("ascii")
        assert f'src="data:image/png;base64,{encoded}"' in html
    for external in ('src="http', "src='http", 'href="http', "<link", "url(", "@import", "//cdn"):
        assert external not in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert policy and unescape(policy.group(1)).startswith("default-src 'none'; img-src data:")  # blocks the rest


def test_html_escapes_text_and_shows_the_leaderboard_and_runs(report):
    html = report["html"].read_text(encoding="utf-8")
    assert "<title>Quick &lt;suite&gt; &amp; co</title>" in html and "<suite>" not in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html and "<b>evil</b>" not in html
    assert "2026-11-28 06:30 UTC" in html and "long, quick" in html and "anyconv_version=0.3.0" in html
    assert "<strong>0.700 ± 0.200 (3)</strong>" in html  # best of copying: hand-computed mean ± sample std
    assert "0.200 ± 0.200 (3)" in html and "<strong>0.200 ± 0.200 (3)</strong>" not in html
    assert "0.100 ± 0.000 (1)</strong>" in html and 'badge warn">interrupted' in html
    # leaderboard: header + 13 cells (copying 3 layers, long-copy 3 layers x 3 lengths, mqar 1);
    # runs: header + 37 runs (copying 3 x 3 seeds, long-copy 9 x 3 seeds, mqar 1)
    assert html.count("<tr") == 1 + 13 + 1 + 37
    assert "copying-hyena1d-64-2-0.003" in html  # per-run table names the run ids


def test_read_results_reads_jsonl_and_names_a_bad_line(tmp_path):
    path = tmp_path / "results.jsonl"
    rows = [make_result("hyena1d", 0, 0.5), make_result("hyena1d", 1, 0.7)]
    path.write_text(json.dumps(rows[0]) + "\n\n" + json.dumps(rows[1]) + "\n")
    assert read_results(path) == rows
    path.write_text(json.dumps(rows[0]) + "\n{oops\n")
    with pytest.raises(ValueError, match=r"results.jsonl:2: not valid JSON"):
        read_results(path)
    path.write_text("[1, 2]\n")
    with pytest.raises(ValueError, match=r"results.jsonl:1: expected a JSON object, got list"):
        read_results(path)


class _BodyAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" and self.body is None:
            self.body = dict(attrs)


def _render_body(html_path: Path, profile: Path) -> dict[str, str | None]:
    """``<body>`` attributes of the DOM headless Chromium dumps after loading ``html_path``."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not on PATH (Debian: apt-get install -y chromium)")
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
               "--dump-dom", html_path.resolve().as_uri()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish rendering {html_path.name} within 120 s")
    assert done.returncode == 0, done.stderr[-2000:]
    parser = _BodyAttributes()
    parser.feed(done.stdout)
    assert parser.body is not None, done.stdout[:500]
    return parser.body


def test_headless_chromium_loads_every_image(report, tmp_path):
    body = _render_body(report["html"], tmp_path / "profile")
    assert body.get("data-images-total") == str(len(PLOTS)), body
    assert body.get("data-images-loaded") == str(len(PLOTS)), body


def test_the_browser_check_sees_a_broken_and_an_external_image(report, tmp_path):
    html = report["html"].read_text(encoding="utf-8")
    first = html.index("data:image/png;base64,") + len("data:image/png;base64,")
    html = html[:first] + "AAAA" + html[first + 4:]  # corrupt the first figure's PNG header
    html = html.replace("<h2>Runs</h2>", '<img src="http://127.0.0.1:9/x.png" alt="x"><h2>Runs</h2>')
    broken = tmp_path / "broken.html"
    broken.write_text(html, encoding="utf-8")
    body = _render_body(broken, tmp_path / "profile")
    assert body.get("data-images-total") == str(len(PLOTS) + 1), body
    assert body.get("data-images-loaded") == str(len(PLOTS) - 1), body  # neither the broken nor the blocked one
