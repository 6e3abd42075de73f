"""``nntrace examples``: the shipped configs are listed with their titles and copied on request."""

from __future__ import annotations

import tracer
from tracer.cli import main
from tracer.shipped import examples


def test_list_names_every_example_with_its_title(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for e in examples():
        assert e.name in out
    assert "deep_tanh_bias" in out and "A 3-5-4-1 tanh network with biases" in out


def test_copy_brings_the_csv_a_config_reads(tmp_path, capsys):
    assert main(["examples", "csv_and", "deep_tanh_bias.toml", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["and.csv", "csv_and.toml", "deep_tanh_bias.toml"]
    config = tracer.load_config(tmp_path / "csv_and.toml")
    assert config.data.name == "and.csv" and config.network.layers == (2, 3, 1)


def test_copy_refuses_to_replace_and_unknown_names_are_one_line(tmp_path, capsys):
    assert main(["examples", "xor", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["examples", "xor", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and err.count("\n") == 1
    assert main(["examples", "xor", "--out", str(tmp_path), "--force"]) == 0
    assert main(["examples", "nope"]) == 2
    assert "no example 'nope'" in capsys.readouterr().err
