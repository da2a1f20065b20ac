"""``anyconv explain`` on a saved run: PNGs, explain.json and an HTML page a browser renders with every image."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch
from PIL import Image

from anyconv.bench import RunConfig, train
from anyconv.cli import main


class _BodyAttributes(HTMLParser):
    """The attributes of the first ``<body>`` tag (where the page's script records loaded images)."""

    def __init__(self) -> None:
        super().__init__()
        self.body: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" and self.body is None:
            self.body = dict(attrs)


EXPECTED = {"grad_cam.png", "grad_cam_pp.png", "deletion_insertion.png", "tree_modes.png", "explainer.png",
            "filter_stats.png", "kernels_stem_0.png", "kernels_stage1_0_conv1.png", "kernels_stage2_0_conv2.png"}


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("explain")
    config = RunConfig(layer="conv2d", task="digits", steps=3, batch_size=16, model={"width": 4}, eval_every=3,
                       n_val=20, n_test=40)
    train(config, root / "run", progress="off")
    code = main(["explain", str(root / "run"), "--out", str(root / "out"), "--inputs", "8", "--fit-inputs", "60",
                 "--explainer-steps", "3"])
    assert code == 0
    return root / "out"


def test_writes_every_figure_as_a_valid_png_and_the_summary(explained):
    names = {p.name for p in (explained / "img").iterdir()}
    assert EXPECTED <= names, sorted(EXPECTED - names)
    for path in (explained / "img").iterdir():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as image:
            image.verify()
    summary = json.loads((explained / "explain.json").read_text())
    assert summary["layer"] == "stage2" and summary["n_inputs"] == 8
    assert summary["explainer"]["source"] == "stage1" and 0 <= summary["tree_fidelity"] <= 1
    assert set(summary["curve_areas"]) == {"Grad-CAM deletion", "random deletion", "Grad-CAM insertion", "random insertion"}


def test_page_inlines_every_figure_and_loads_nothing_external(explained):
    html = (explained / "index.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert len(sources) == len(list((explained / "img").iterdir()))
    for path in (explained / "img").iterdir():
        assert f'src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}"' in html
    for external in ('src="http', 'href="http', "<link", "url(", "@import"):
        assert external not in html


def test_headless_chromium_loads_every_image(explained, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not on PATH (Debian: apt-get install -y chromium)")
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
               (explained / "index.html").resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    parser = _BodyAttributes()
    parser.feed(done.stdout)
    n = len(list((explained / "img").iterdir()))
    assert parser.body is not None and parser.body.get("data-images-total") == str(n), parser.body
    assert parser.body.get("data-images-loaded") == str(n), parser.body


def test_bad_arguments_are_reported(tmp_path):
    with pytest.raises(SystemExit) as error:
        main(["explain", str(tmp_path), "--out", str(tmp_path / "o")])
    assert error.value.code == 2  # not a run folder: FileNotFoundError -> exit 2
    with pytest.raises(SystemExit):
        main(["explain", str(tmp_path), "--out", str(tmp_path / "o"), "--inputs", "0"])


def test_default_layers_pick_channels_first_features():
    from anyconv.explain.report import default_layers
    from anyconv.models import SequenceModel, SequenceModelConfig
    from anyconv.models.image import ImageClassifier, ImageClassifierConfig

    image = ImageClassifier(ImageClassifierConfig(layer="conv2d", in_channels=1, n_outputs=10, width=4)).eval()
    assert default_layers(image, torch.randn(2, 1, 8, 8)) == ("stage2", "stage1")
    config = SequenceModelConfig(layer="conv1d", seq_len=40, n_outputs=10, input_kind="features", in_channels=1,
                                 d_model=16, n_layers=2, head="pooled")
    sequence = SequenceModel(config).eval()  # its blocks work channels-last (B, L, D) around channels-first mixers
    target, source = default_layers(sequence, torch.randn(2, 1, 40))
    assert target.startswith("blocks.1.mixer") and source.startswith("blocks.0.mixer"), (target, source)


def test_page_escapes_text(tmp_path):
    from anyconv.explain.page import Section, write_page

    path = write_page(tmp_path / "p.html", "<b>evil</b> & co", [Section("<i>s</i>", ["a <script>x</script>"],
                                                                        [(["<th>"], [["1.5", "<td>"]])])])
    html = path.read_text(encoding="utf-8")
    assert "<title>&lt;b&gt;evil&lt;/b&gt; &amp; co</title>" in html and "<b>evil</b>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html
    assert '<td class="num">1.5</td>' in html and "<td>&lt;td&gt;</td>" in html and "<th>&lt;th&gt;</th>" in html
