"""Configs, data and record specs: what is accepted, and the one-line errors for what is not."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import tracer
from tracer.errors import ConfigError, DataError, RecordSpecError
from tracer.recordspec import default_spec, parse_spec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_every_example_loads_and_round_trips(path):
    cfg = tracer.load_config(path)
    assert tracer.load_config(cfg.as_dict()) == cfg


def test_seed_example_is_the_default():
    assert tracer.load_config(EXAMPLES / "seed.toml").as_dict() | {"title": None} == \
        tracer.load_config(None).as_dict() | {"title": None, "record": {"iterations": "0,1,2,10000:60000:10000,last"}}


def test_overrides_and_csv_relative_to_the_config(tmp_path):
    cfg = tracer.load_config(EXAMPLES / "csv_and.toml", {"train.lr": 0.5, "init.seed": 7})
    assert cfg.train.lr == 0.5 and cfg.init.seed == 7
    assert cfg.data.columns == ("a", "b", "a_and_b")
    assert cfg.data.targets == ((0.0,), (0.0,), (0.0,), (1.0,))


@pytest.mark.parametrize("raw,pattern", [
    ({"network": {"layer": [3, 4, 1]}}, r"unknown key 'layer' in \[network\]; allowed keys: layers, activation"),
    ({"trian": {}}, r"unknown key 'trian' in the top level; allowed keys: title, network"),
    ({"network": {"layers": "3,4,1"}}, r"network.layers must be a list of at least two positive integers"),
    ({"network": {"layers": [3, 4.5, 1]}}, r"network.layers must be a list"),
    ({"network": {"layers": [2, 4, 1]}}, r"network.layers\[0\] is 2 but the data 'seed' has 3 input columns"),
    ({"network": {"layers": [3, 4, 2]}}, r"network.layers\[-1\] is 2 but the data 'seed' has 1 target columns"),
    ({"network": {"activation": "softmax"}}, r"network.activation must be one of sigmoid, tanh, relu, linear, or a list of them with one per weight layer, not 'softmax'"),
    ({"network": {"activation": ["tanh"]}}, r"a list of 2 names"),
    ({"network": {"loss": "bce", "activation": "tanh"}}, r"loss 'bce' needs a sigmoid output layer"),
    ({"network": {"bias": True}}, r"network.bias must be one of none, trainable, frozen, not True"),
    ({"train": {"lr": 0}}, r"train.lr must be a finite number above 0 such as 0.1, not 0"),
    ({"train": {"lr": -0.5}}, r"train.lr must be a finite number above 0"),
    ({"train": {"lr": math.inf}}, r"train.lr must be a finite number above 0"),
    ({"train": {"lr": math.nan}}, r"train.lr must be a finite number above 0"),
    ({"train": {"lr": "0.1"}}, r"train.lr must be a finite number above 0 such as 0.1, not '0.1'"),
    ({"train": {"iterations": 0}}, r"train.iterations must be an integer of at least 1 \(at most 1000000000\), not 0"),
    ({"train": {"iterations": 10.0}}, r"train.iterations must be an integer"),
    ({"init": {"seed": -1}}, r"init.seed must be an integer from 0"),
    ({"init": {"values": {"w0": [[1.0]]}}}, r"init.values 'w0' has shape \[1, 1\] but the network needs \[3, 4\]"),
    ({"init": {"values": {"w0": np.zeros((3, 4)).tolist()}}}, r"init.values lacks 'w1'"),
    ({"init": {"values": {"b0": [0.0]}}}, r"unknown initial value 'b0'.*biases need network.bias"),
    ({"data": {"preset": "iris"}}, r"data.preset 'iris' is not known; choose from: seed, xor"),
    ({"data": {"preset": "xor", "inputs": [[1]]}}, r"give only one of preset, inputs \+ targets, csv"),
    ({"data": {"inputs": [[0, 1], [1]], "targets": [0, 1]}}, r"data.inputs row 1 has 1 values but row 0 has 2"),
    ({"data": {"inputs": [[0, "a"]], "targets": [0]}}, r"data.inputs must be a non-empty list of rows of finite numbers; data.inputs\[0\]\[1\] is 'a'"),
    ({"data": {"inputs": [[0, 1]], "targets": [0, 1]}}, r"data.inputs has 1 rows but data.targets has 2"),
    ({"network": {"loss": "bce"}, "data": {"inputs": [[0, 1]], "targets": [2]}},
     r"loss 'bce' needs targets in \[0, 1\], but the data 'inline' holds 2.0"),
    ({"record": {"iterations": 5}}, r"record.iterations must be a spec string"),
])
def test_bad_configs_name_the_value(raw, pattern):
    with pytest.raises((ConfigError, DataError), match=pattern):
        tracer.load_config(raw)


def test_toml_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"does not exist: check the path"):
        tracer.load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[network\nlayers = 3")
    with pytest.raises(ConfigError, match=r"is not valid TOML"):
        tracer.load_config(bad)


def test_seed_override_on_explicit_weights_is_refused():
    with pytest.raises(ConfigError, match=r"a seed has no effect here"):
        tracer.load_config(EXAMPLES / "explicit_weights.toml", {"init.seed": 3})


@pytest.mark.parametrize("text,pattern", [
    ("a,b,c\n0,1,x\n", r"line 2 column 3 holds 'x': every cell must be a finite number"),
    ("0,1,1\n0,1\n", r"line 2 has 2 cells but 3 were expected"),
    ("0,1,nan\n", r"line 1 column 3 holds 'nan'"),
    ("x,1,0\n", r"line 1 column 1 holds 'x'"),
    ("", r"is empty"),
    ("a,b,c\n", r"has a header but no samples"),
    ("1\n0\n", r"has 1 columns, but 1 target column"),
])
def test_bad_csv_files(tmp_path, text, pattern):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=pattern):
        tracer.load_config({"data": {"csv": str(path)}})


def test_csv_without_header_and_weights_from_files(tmp_path):
    (tmp_path / "d.csv").write_text("0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    np.savez(tmp_path / "w.npz", w0=np.ones((2, 4)), w1=np.ones((4, 1)))
    (tmp_path / "c.toml").write_text('[data]\ncsv = "d.csv"\n[init]\nweights = "w.npz"\n')
    cfg = tracer.load_config(tmp_path / "c.toml")
    assert cfg.network.layers == (2, 4, 1) and cfg.data.columns is None and cfg.data.name == "d.csv"
    assert cfg.init.values["w0"] == np.ones((2, 4)).tolist()
    (tmp_path / "w.json").write_text('{"w0": [[1, 2, 3, 4], [5, 6, 7, 8]], "w1": [[1], [2], [3], [4]]}')
    cfg = tracer.load_config({"data": {"preset": "xor"}, "init": {"weights": str(tmp_path / "w.json")}})
    assert np.array_equal(tracer.run(tracer.load_config(cfg, {"train.iterations": 1})).get("w0", 0),
                          [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_record_spec_items():
    assert parse_spec("all", 4).tolist() == [0, 1, 2, 3]
    assert parse_spec("last", 4).tolist() == [3]
    assert parse_spec("-2,0", 4).tolist() == [0, 2]
    assert parse_spec("::2", 5).tolist() == [0, 2, 4]
    assert parse_spec("3:,1", 5).tolist() == [1, 3, 4]
    assert parse_spec(" 1 , 1 ", 5).tolist() == [1]
    assert parse_spec(None, 60000).tolist() == [0, 1, 2, 10000, 20000, 30000, 40000, 50000, 59999]
    assert default_spec(600) == "0,1,2,100:600:100,last"
    assert parse_spec(None, 2).tolist() == [0, 1]
    assert parse_spec(None, 1).tolist() == [0]


@pytest.mark.parametrize("spec,pattern", [
    ("0,1,x", r"record item 'x' is malformed"),
    ("1:2:3:4", r"record item '1:2:3:4' is malformed"),
    ("0:10:0", r"record item '0:10:0' has step 0"),
    ("10", r"record item '10' is out of range: a run of 10 iterations has iterations 0 to 9"),
    ("-11", r"record item '-11' is out of range"),
    ("20:30", r"record item '20:30' selects no iteration"),
    ("", r"record spec '' is empty"),
])
def test_bad_record_items_point_at_the_item(spec, pattern):
    with pytest.raises(RecordSpecError, match=pattern):
        parse_spec(spec, 10)
