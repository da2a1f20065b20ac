"""The task registry: names, kinds, options checked against signatures, sizes."""

from __future__ import annotations

import pytest

from anyconv.data.tasks import KINDS, Sizes, check_options, get_task_info, list_tasks, make_task, parse_option


def test_every_kind_has_a_task_and_listing_filters():
    for kind in KINDS:
        names = list_tasks(kind=kind)
        assert names, f"no task of kind {kind}"
        assert all(get_task_info(n).kind == kind for n in names)
    assert list_tasks("m*") == sorted(n for n in list_tasks() if n.startswith("m"))
    with pytest.raises(ValueError, match="kind must be one of"):
        list_tasks(kind="images")


@pytest.mark.parametrize("name, suggestion", [("mqr", "mqar"), ("copy", "copying"), ("mnist1", "mnist1d")])
def test_unknown_task_suggests_close_matches(name, suggestion):
    with pytest.raises(ValueError, match=f"unknown task '{name}'.*did you mean.*'{suggestion}'"):
        make_task(name)


def test_unknown_option_suggests_and_lists():
    with pytest.raises(ValueError, match=r"'n_pair'.*did you mean 'n_pairs'.*known: n_pairs, n_queries"):
        make_task("mqar", n_pair=3)


@pytest.mark.parametrize(
    "options, match",
    [({"n_pairs": 2.5}, "expects a int"), ({"n_pairs": True}, "expects a int"), ({"seq_len": "64"}, "expects a int")],
)
def test_option_types_follow_the_defaults(options, match):
    with pytest.raises(ValueError, match=match):
        check_options("mqar", options)


def test_float_option_takes_an_int_and_defaults_are_filled():
    resolved = check_options("adding", {"tolerance": 0})
    assert resolved == {"seq_len": 64, "tolerance": 0}


def test_parse_option_types_command_line_values():
    assert parse_option("mqar", "n_pairs=4") == ("n_pairs", 4)
    assert parse_option("adding", "tolerance=0.05") == ("tolerance", 0.05)
    with pytest.raises(ValueError, match=r"'n_pairs' expects a int.*got 'four'"):
        parse_option("mqar", "n_pairs=four")
    with pytest.raises(ValueError, match="key=value"):
        parse_option("mqar", "n_pairs")
    with pytest.raises(ValueError, match="did you mean 'vocab_size'"):
        parse_option("mqar", "vocab=8")


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_train": 0}, "n_train"), ({"n_val": -1}, "n_val"), ({"n_train": 5, "stream": True}, "not both"),
     ({"n_test": 2.0}, "n_test")],
)
def test_bad_sizes_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Sizes(**kwargs)


def test_fixed_datasets_cannot_stream():
    fixed = [n for n in list_tasks() if not get_task_info(n).can_stream]
    assert fixed
    with pytest.raises(ValueError, match="cannot stream"):
        make_task(fixed[0], sizes=Sizes(stream=True))
