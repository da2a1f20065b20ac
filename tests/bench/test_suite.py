"""Suite files: shipped suites load; every problem names the file and the key before training."""

from __future__ import annotations

import textwrap

import pytest

from anyconv.bench.suite import load_suite, shipped_suites
from anyconv.data.tasks import get_task_info

GOOD = """
name = "mine"
seeds = [0, 1, 2]
layers = ["longconv1d"]
baselines = ["shortconv1d", "conv1d", "conv2d"]
[defaults]
steps = 7
[model.sequence]
d_model = 8
[[task]]
name = "copying"
options = { n_copy = 2 }
sweep = { seq_len = [16, 32] }
[[task]]
name = "digits"
layers = ["conv2d"]
steps = 3
"""


def _write(tmp_path, text):
    path = tmp_path / "suite.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_suites_load_and_check():
    assert {"quick", "standard", "long"} <= set(shipped_suites())
    for name in shipped_suites():
        suite = load_suite(name)
        assert suite.runs and len(suite.seeds) >= 2
        if name != "quick":
            assert len(suite.seeds) >= 3, f"{name}: fewer than 3 seeds per cell"


def test_quick_suite_has_baselines_in_every_sequence_task():
    suite = load_suite("quick")
    for task in {c.task for c in suite.runs if get_task_info(c.task).kind.startswith("sequence")}:
        layers = {c.layer for c in suite.runs if c.task == task}
        assert {"shortconv1d", "conv1d"} <= layers
    # the image task: the baseline, a structured and a continuous layer
    assert {c.layer for c in suite.runs if c.task == "digits"} == {"conv2d", "replkconv2d", "ckconv2d"}


def test_user_suite_expands_sweeps_seeds_and_fitting_baselines(tmp_path):
    suite = load_suite(_write(tmp_path, GOOD))
    copying = [c for c in suite.runs if c.task == "copying"]
    # 2 lengths x (longconv1d + shortconv1d + conv1d; conv2d does not fit) x 3 seeds
    assert len(copying) == 2 * 3 * 3
    assert {c.task_options["seq_len"] for c in copying} == {16, 32}
    assert all(c.task_options["n_copy"] == 2 and c.task_options["n_symbols"] == 8 for c in copying)  # defaults filled
    assert all(c.steps == 7 and c.model == {"d_model": 8} for c in copying)
    digits = [c for c in suite.runs if c.task == "digits"]
    assert {c.layer for c in digits} == {"conv2d"} and all(c.steps == 3 for c in digits)
    assert load_suite(_write(tmp_path, GOOD), seeds=[5]).seeds == [5]


@pytest.mark.parametrize(
    "change, match",
    [
        (("layers = [\"longconv1d\"]", "layers = [\"longconv\"]"), r"key 'layers'.*unknown layer 'longconv'.*longconv1d"),
        (("name = \"copying\"", "name = \"copyng\""), r"\[\[task\]\] #1 \(copyng\).*unknown task 'copyng'.*'copying'"),
        (("options = { n_copy = 2 }", "options = { n_copies = 2 }"), r"#1 \(copying\).*'n_copies'.*did you mean 'n_copy'"),
        (("options = { n_copy = 2 }", "options = { n_copy = \"2\" }"), r"#1 \(copying\).*'n_copy' expects a int"),
        (("steps = 7", "stepz = 7"), r"\[defaults\]: unknown key 'stepz'.*did you mean 'steps'"),
        (("d_model = 8", "d_modle = 8"), r"unknown model option 'd_modle'.*d_model"),
        (("steps = 3", "steps = 0"), r"#2 \(digits\).*steps must be an int >= 1"),
        (("layers = [\"conv2d\"]", "layers = [\"longconv1d\"]"), r"#2 \(digits\).*'longconv1d'.*does not fit.*conv2d"),
        (("seeds = [0, 1, 2]", "seeds = []"), r"key 'seeds'"),
        (("sweep = { seq_len = [16, 32] }", "sweep = { seq_len = 16 }"), r"key 'sweep'"),
        (("name = \"mine\"", "name = \"mine\"\nworkers = 2"), r"unknown key 'workers'"),
        (("[model.sequence]", "[model.sequences]"), r"\[model\]: unknown key 'sequences'.*did you mean 'sequence'"),
        (("[[task]]\nname = \"digits\"", "[[task]]\nname = \"digits\"\nstream = true"), r"digits.*cannot stream"),
        (("name = \"mine\"", "name = \"mine"), r"not valid TOML"),
    ],
)
def test_bad_suites_fail_with_file_key_and_reason(tmp_path, change, match):
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ValueError, match=match) as info:
        load_suite(path)
    assert str(path) in str(info.value)


def test_unknown_shipped_suite_suggests():
    with pytest.raises(ValueError, match="did you mean 'quick'"):
        load_suite("quik")
    with pytest.raises(FileNotFoundError):
        load_suite("nowhere/suite.toml")


def test_empty_baselines_add_no_runs_but_layers_must_be_non_empty(tmp_path):
    text = GOOD.replace('baselines = ["shortconv1d", "conv1d", "conv2d"]', "baselines = []")
    suite = load_suite(_write(tmp_path, text))
    assert {c.layer for c in suite.runs if c.task == "copying"} == {"longconv1d"}
    with pytest.raises(ValueError, match=r"key 'layers'.*non-empty list"):
        load_suite(_write(tmp_path, text.replace('layers = ["longconv1d"]', "layers = []")))
