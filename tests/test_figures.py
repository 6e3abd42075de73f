"""Network figures without a browser: label placement, the colour scale, digits, minus signs and
the chain-path figure, checked on the SVG's own coordinates (tests/test_browser_figures.py
measures the same figures as Chromium lays them out)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tracer
from tracer.render import figures as fig
from tracer.render import labels
from tracer.render.numbers import MINUS, minus, num, table_minus

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    """Lines, halo boxes and label texts of a figure, in the coordinates of the labelled group."""
    root = ET.fromstring(svg)
    group = root.find(f"{SVG}g")
    scope = group if group is not None else root
    lines = [(float(e.get("x1")), float(e.get("y1")), float(e.get("x2")), float(e.get("y2")),
              float(e.get("stroke-width")), e.get("data-edge")) for e in scope.iter(f"{SVG}line")]
    boxes = [(labels.Box(float(e.get("x")), float(e.get("y")), float(e.get("x")) + float(e.get("width")),
                         float(e.get("y")) + float(e.get("height"))), e.get("data-edge"))
             for e in scope.iter(f"{SVG}rect") if e.get("class") == "label-box"]
    texts = [(e.text, e.get("data-edge")) for e in scope.iter(f"{SVG}text") if e.get("class") == "label"]
    return root, lines, boxes, texts


def assert_clear(svg: str) -> None:
    """No two label boxes overlap, and no line crosses a label box but the label's own edge."""
    _, lines, boxes, _ = parse(svg)
    for n, (a, _) in enumerate(boxes):
        for b, _ in boxes[n + 1:]:
            assert not a.overlaps(b), (a, b)
    for box, key in boxes:
        for x1, y1, x2, y2, width, edge in lines:
            if key is not None and edge == key:
                continue
            assert not labels.crosses(labels.Segment(x1, y1, x2, y2, width), box), (box, key, edge)


@pytest.fixture(scope="module")
def seed_trace():
    return tracer.run(tracer.load_config(None, {"train.iterations": 3, "record.iterations": "0,1,2"}))


def weights(trace, it=0):
    return [trace.get(f"w{k}", it) for k in range(trace.config.network.depth)]


def test_vectorised_crossing_matches_the_scalar_test():
    rng = np.random.default_rng(5)
    boxes = np.sort(rng.uniform(0, 100, (300, 2, 2)), axis=1).transpose(0, 2, 1).reshape(300, 4)[:, [0, 2, 1, 3]]
    segs = np.column_stack([rng.uniform(0, 100, (200, 4)), rng.uniform(0.5, 5, 200)])
    segs[:20, 2] = segs[:20, 0]          # vertical
    segs[20:40, 3] = segs[20:40, 1]      # horizontal
    got = labels.crossing(boxes, segs)
    want = [[labels.crosses(labels.Segment(*s), labels.Box(*b)) for s in segs] for b in boxes]
    assert got.tolist() == want
    assert 0 < got.sum() < got.size


def test_placement_avoids_other_lines_labels_and_nodes():
    # two crossing lines, each with a label that would sit on the crossing if centred
    a = labels.Segment(0, 0, 200, 100, 2.0, "a")
    b = labels.Segment(0, 100, 200, 0, 2.0, "b")
    items = [labels.Label("−0.1234", labels.along(0, 0, 200, 100, 0.5), key="a"),
             labels.Label("0.5678", labels.along(0, 100, 200, 0, 0.5), key="b"),
             labels.Label("9.999", [(100, 50)], key="a")]          # only the crossing: no room
    placed = labels.place(items, [a, b], [labels.Circle(0, 0, 16)], frame=labels.Box(0, -20, 200, 120))
    assert placed[0] is not None and placed[1] is not None and placed[2] is None
    assert not placed[0].box.overlaps(placed[1].box)
    assert not labels.crosses(b, placed[0].box) and not labels.crosses(a, placed[1].box)
    assert labels.crosses(a, placed[0].box)                     # it sits on its own line
    assert placed == labels.place(items, [a, b], [labels.Circle(0, 0, 16)], frame=labels.Box(0, -20, 200, 120))


def test_default_network_labels_every_weight_clear_of_the_rest(seed_trace):
    svg = fig.network(weights(seed_trace), label="seed", digits=4)
    _, _, boxes, texts = parse(svg)
    assert len(texts) == 16 and sorted(k for _, k in texts) == sorted(
        f"w{k}[{i},{j}]" for k, w in enumerate(weights(seed_trace)) for i in range(w.shape[0]) for j in range(w.shape[1]))
    assert_clear(svg)
    assert "translate" not in svg            # nothing unlabelled: no colour scale
    for text, key in texts:
        k, i, j = map(int, re.findall(r"\d+", key))
        assert text == minus(num(float(weights(seed_trace)[k][i, j]), 4))
    assert svg == fig.network(weights(seed_trace), label="seed", digits=4)


@pytest.mark.parametrize("layers", [[3, 5, 4, 1], [3, 32, 16, 1], [3, 12, 1]])
def test_crowded_networks_label_what_fits_and_draw_a_colour_scale(layers):
    rng = np.random.default_rng(len(layers) + layers[1])
    ws = [rng.uniform(-1, 1, (a, b)) for a, b in zip(layers, layers[1:])]
    bs = [rng.uniform(-1, 1, b) for b in layers[1:]]
    svg = fig.network(ws, label="x", digits=3, biases=bs)
    assert_clear(svg)
    _, _, _, texts = parse(svg)
    labelled = {key for _, key in texts if key}
    units = [sum(u is not None for u in fig._shown(n)) for n in layers]
    drawn = sum(a * b for a, b in zip(units, units[1:]))
    assert len(labelled) < drawn                    # some weights do not fit …
    assert "translate(0 " in svg                    # … so the colour scale is drawn,
    scale = max(float(np.abs(w).max()) for w in ws)
    legend = [e.text for e in ET.fromstring(svg).findall(f"{SVG}text")]
    assert minus(num(-scale, 3)) in legend and minus(num(scale, 3)) in legend  # from −max to +max
    for k in range(len(ws)):                        # and a layer pair is labelled whole or not at all
        pair = {key for key in labelled if key.startswith(f"w{k}[")}
        assert not pair or len(pair) == units[k] * units[k + 1]


def test_figure_numbers_follow_digits_and_use_the_minus_sign(seed_trace):
    ws = [w.copy() for w in weights(seed_trace)]
    ws[1][2, 0] = -0.99984
    four = fig.network(ws, label="x", digits=4)
    assert ">−0.9998<" in four and ">-1<" not in four and ">−1<" not in four
    assert ">−1<" in fig.network(ws, label="x", digits=2)
    for svg in (four, fig.curves([fig.Series("e", [0, 1, 2], [-1.5, 0.5, 2.0])], label="c", x_label="x",
                                 y_label="y", log=False)):
        for text in re.findall(r">([^<]*)</text>", svg):
            assert not re.search(r"(^|[\s(=])-\d", text), text


def test_lesson_figures_use_the_lessons_digits(small_trace):
    from tracer.lesson.render import render_lesson

    docs = {d.path: d.content.decode() for d in render_lesson(small_trace, langs=("en",), formats=("md",), digits=6,
                                                           explorer=False)}
    w0 = small_trace.get("w0", int(small_trace.recorded_iterations[0]))
    assert f">{minus(num(float(w0[0, 1]), 6))}<" in docs["figures/network-initial.svg"]
    chain = docs["figures/chain-w0.svg"]
    assert re.search(r"= −?\d\.\d{5}", chain)


def test_chain_figure_names_the_element_and_carries_each_factor(seed_trace):
    from tracer.lesson.render import derive_per_layer

    for d in derive_per_layer(seed_trace, 0, 4):
        k = int(d.parameter[1:])
        svg = fig.network(weights(seed_trace), label="c", path=fig.Path(k, *d.index), derivation=d, sample=3, digits=4)
        texts = [e.text for e in ET.fromstring(svg).iter(f"{SVG}text")]
        term = sum(np.prod([f.values[3] if len(f.values) > 1 else f.values[0] for f in d.factors]) for _ in [0])
        assert texts[0] == f"∂E/∂{d.weight} · n = 3: ∏ = {minus(num(term, 4))}"
        for f in d.factors:                              # every factor's value at sample 3, by name
            value = f.values[3] if len(f.values) > 1 else f.values[0]
            name = f.name.replace("d", "∂", 1).replace("/d", "/∂")
            assert f"{name} = {minus(num(value, 4))}" in texts, (f.name, texts)
        assert sum(fig.chain_term(d, n) for n in range(5)) == pytest.approx(d.value, rel=1e-12)
        assert_clear(svg)


def test_deep_chain_terms_sum_to_the_gradient(deep_trace):
    from tracer.lesson.render import derive_per_layer

    for d in derive_per_layer(deep_trace, 0, 4):
        assert sum(fig.chain_term(d, n) for n in range(4)) == pytest.approx(d.value, rel=1e-9, abs=1e-15)
        svg = fig.network(weights(deep_trace), label="c", path=fig.Path(int(d.parameter[1:]), *d.index),
                          derivation=d, sample=1, digits=4)
        assert_clear(svg)
        assert f"∂E/∂{d.weight} · n = 1" in svg


def test_tables_sign_numbers_with_u2212_and_nothing_else_changes():
    text = "\n".join(["| -0.5 | 1.2e-05 | `w-1 -2` | $-3$ | seed-001 | 1-30 |", "-4 in a paragraph",
                      "```python", "| -5 |", "```", "$$", "| -6 |", "$$", "| (-7) | x=-8 |"])
    got = table_minus(text).split("\n")
    assert got[0] == "| −0.5 | 1.2e−05 | `w-1 -2` | $-3$ | seed-001 | 1-30 |"
    assert got[1:8] == text.split("\n")[1:8]
    assert got[8] == "| (−7) | x=−8 |"


def test_documents_tables_use_u2212_code_json_and_notebooks_keep_ascii(small_trace):
    from tracer.lesson.render import render_lesson

    docs = {d.path: d.content.decode() for d in render_lesson(small_trace, langs=("en",), formats=("md", "html", "ipynb"),
                                                           explorer=False)}
    md = docs["lesson.en.md"]
    rows = [line for line in md.split("\n") if line.startswith("|")]
    assert any(MINUS in row for row in rows)
    for row in rows:
        outside = re.sub(r"`[^`]*`|\$[^$]*\$", "", row)
        assert not re.search(r"(^|[\s|(])-\.?\d", outside), row
    assert MINUS in re.sub(r"<math.*?</math>", "", docs["lesson.en.html"], flags=re.S).split("<table", 1)[1]
    code = re.findall(r"```.*?```", md, flags=re.S)
    assert all(MINUS not in block for block in code)
    assert MINUS not in "".join(c for c in docs["lesson.en.ipynb"].split('"cell_type": "code"')[1:])
