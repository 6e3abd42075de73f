"""``nntrace diff`` and ``tracer.compare``: equal traces, seeds, tolerance edges, other
architectures, unreadable files, and the alignment's invariance."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import tracer
from tracer.cli import main
from tracer.compare import align, compare, diff
from tracer.compare.align import best_permutation, permute_hidden, unit_correlations


@pytest.fixture(scope="module")
def seeds():
    cfg = tracer.load_config(None, {"train.iterations": 3000, "record.iterations": "all"})
    return tracer.run(cfg), tracer.run(tracer.load_config(cfg, {"init.seed": 2}))


def test_a_trace_equals_itself(seeds):
    result = compare(seeds[0], seeds[0])
    assert result.equal and result.first_divergence is None and result.config_differences == []
    assert all(int(t.n_differ.sum()) == 0 for t in result.tensors)


def test_different_seeds_differ_first_in_w0(seeds):
    a, b = seeds
    result = compare(a, b)
    assert not result.equal
    assert result.config_differences == [("init.seed", 1, 2)]
    d = result.first_divergence
    assert (d.iteration, d.tensor, d.index) == (0, "w0", (0, 0))
    assert d.a == a.get("w0", 0)[0, 0] and d.b == b.get("w0", 0)[0, 0]
    z1 = next(t for t in result.tensors if t.name == "z1")
    assert z1.max_abs.shape == (3000,)
    assert z1.max_abs[5] == np.abs(a.get("z1", 5) - b.get("z1", 5)).max()


def test_tolerance_edges():
    a = tracer.run({"train": {"iterations": 20}, "record": {"iterations": "all"}})
    arrays = dict(a.arrays)
    bumped = arrays["l2"].copy()
    bumped[7, 3, 0] += 1e-9
    arrays["l2"] = bumped
    b = tracer.Trace(a.config, a.recorded_iterations, arrays, a.versions)
    exact = compare(a, b)
    assert not exact.equal
    assert (exact.first_divergence.iteration, exact.first_divergence.tensor, exact.first_divergence.index) == (7, "l2", (3, 0))
    gap = abs(float(bumped[7, 3, 0] - a.stack("l2")[7, 3, 0]))
    assert compare(a, b, atol=gap).equal            # |a − b| <= atol is equal
    assert not compare(a, b, atol=gap * 0.999).equal
    assert compare(a, b, rtol=gap / abs(float(bumped[7, 3, 0]))).equal


def test_different_architectures_compare_what_matches():
    a = tracer.run({"train": {"iterations": 10}})
    b = tracer.run({"train": {"iterations": 10}, "network": {"layers": [3, 5, 1], "bias": "trainable"}})
    result = compare(a, b)
    assert not result.equal
    assert "z1 (shape [5, 4] in A, [5, 5] in B)" in result.not_comparable
    assert "b0 (only in B)" in result.not_comparable
    assert "l0" in [t.name for t in result.tensors]
    assert ("network.layers", [3, 4, 1], [3, 5, 1]) in result.config_differences


def test_alignment_keeps_the_network_function_and_finds_a_known_permutation(seeds):
    a, _ = seeds
    perm = np.array([2, 0, 3, 1])
    shuffled = permute_hidden(a, 1, perm)
    # the permuted network computes the same outputs from the same inputs
    w0, w1 = np.asarray(shuffled.get("w0_next", -1)), np.asarray(shuffled.get("w1_next", -1))
    x, _ = a.config.data.arrays()
    out = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(x @ w0)))) @ w1))
    a_w0, a_w1 = np.asarray(a.get("w0_next", -1)), np.asarray(a.get("w1_next", -1))
    expected = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(x @ a_w0)))) @ a_w1))
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    assert not compare(a, shuffled).equal
    aligned, report = align(a, shuffled)
    assert report["layers"][0]["permutation"] == np.argsort(perm).tolist()
    assert report["same_solution"] and report["lowest_correlation"] > 0.999999
    assert compare(a, aligned).equal


def test_alignment_report_for_two_seeds(seeds):
    result = diff(*seeds, align_units=True)
    layer = result.alignment["layers"][0]
    assert sorted(layer["permutation"]) == [0, 1, 2, 3]
    assert len(layer["correlations"]) == 4 and all(-1 <= c <= 1 for c in layer["correlations"])


def test_best_permutation_is_exact_on_small_layers():
    rng = np.random.default_rng(1)
    for _ in range(20):
        c = rng.uniform(-1, 1, (5, 5))
        perm = best_permutation(c)
        import itertools

        best = max(sum(c[i, p[i]] for i in range(5)) for p in itertools.permutations(range(5)))
        assert sum(c[i, perm[i]] for i in range(5)) == pytest.approx(best)
    assert unit_correlations(np.ones((4, 2)), np.eye(4)[:, :2]).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_wide_layers_need_scipy_or_say_so():
    c = np.eye(9)
    try:
        import scipy  # noqa: F401
    except ModuleNotFoundError:
        with pytest.raises(tracer.TracerError, match=r"pip install 'nntrace\[align\]'"):
            best_permutation(c)
    else:
        assert best_permutation(c[::-1]).tolist() == list(range(9))[::-1]


def test_cli_exit_codes_and_json(tmp_path, capsys):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    assert main(["trace", "--iterations", "50", "--record", "all", "-o", str(a)]) == 0
    assert main(["trace", "--iterations", "50", "--record", "all", "--seed", "2", "-o", str(b)]) == 0
    capsys.readouterr()
    assert main(["diff", str(a), str(a)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("equal")
    assert main(["diff", str(a), str(b), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["equal"] is False
    assert report["config_differences"] == [{"key": "init.seed", "a": 1, "b": 2}]
    assert report["first_divergence"]["tensor"] == "w0" and report["first_divergence"]["iteration"] == 0
    assert len(report["iterations"]) == 50 and len(report["tensors"][1]["max_abs"]) == 50
    assert set(report["final_loss"]) == {"a", "b"} and report["alignment"] is None
    (tmp_path / "bad.npz").write_text("not a trace")
    assert main(["diff", str(a), str(tmp_path / "bad.npz")]) == 2
    assert "is not a trace file" in capsys.readouterr().err
    assert main(["diff", str(a)]) == 2
    assert main(["diff", "--seeds", "1", "1", "--iterations", "30"]) == 0
    capsys.readouterr()
    assert main(["diff", "--seeds", "1", "2", "--iterations", "30", "--align", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["alignment"]["layers"][0]["layer"] == 1
    assert main(["diff", str(a), str(b), "--atol", "-1"]) == 2


def test_report_in_both_languages_and_formats(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["diff", "--seeds", "1", "2", "--iterations", "300", "--align", "--out", str(out)]) == 1
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == sorted([f"report.{lang}.{ext}" for lang in ("zh", "en", "zh-en") for ext in ("md", "html")]
                           + [f"figures/loss.{lang}.svg" for lang in ("zh", "en", "zh-en")]
                           + [".nntrace-manifest.json"])   # what nntrace wrote there (tracer.files)
    en = (out / "report.en.md").read_text()
    assert en.startswith("---\ntitle: ")
    assert "| init\\.seed | 1 | 2 |" in en
    assert "first divergence** is at iteration 0, in `w0[0, 0]`" in en
    assert "the two networks found" in en
    zh = (out / "report.zh.md").read_text()
    assert "首次分歧" in zh and "第 0 次迭代" in zh
    html = (out / "report.zh-en.html").read_text()
    assert '<html lang="zh-CN">' in html and "<math" in html and "<svg" in html
    assert 'lang="en"' in html


def test_report_is_deterministic_and_escapes_user_text(tmp_path):
    a = tracer.run({"train": {"iterations": 30}, "title": "<script>alert(1)</script> | x"})
    b = tracer.run({"train": {"iterations": 30}, "init": {"seed": 2}, "title": "<b>other</b>"})
    from tracer.compare.report import render_report

    first = render_report(compare(a, b), a, b, langs=("en",), formats=("md", "html"))
    again = render_report(compare(a, b), a, b, langs=("en",), formats=("md", "html"))
    assert [(d.path, d.content) for d in first] == [(d.path, d.content) for d in again]
    html = next(d for d in first if d.path == "report.en.html").content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = next(d for d in first if d.path == "report.en.md").content.decode()
    assert "<b>other</b>" not in md
    import html5lib

    html5lib.HTMLParser(strict=True).parse(html)


def test_report_fragment_is_scoped(tmp_path):
    a = tracer.run({"train": {"iterations": 30}})
    from tracer.compare.report import render_report

    docs = render_report(compare(a, a), a, a, langs=("en",), formats=("html",), fragment=True)
    (frag,) = docs
    assert frag.path == "report.en.fragment.html"
    text = frag.content.decode()
    assert text.lstrip().startswith('<article class="nntrace-lesson"') and "<html" not in text
    assert all(i.startswith("nntrace-") for i in re.findall(r'\bid="([^"]+)"', text))
