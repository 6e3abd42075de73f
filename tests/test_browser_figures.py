"""Edge labels as Chromium lays them out: in the network figures of the default lesson (the
committed gallery), the shipped deep example and a wide [3, 32, 16, 1] network, no two labels'
text boxes intersect, no line crosses a label's text box except the label's own edge, and each
text lies inside the white box drawn behind it (the placement's estimate of its extent holds)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent

#: Every label's text box and halo box, every line's end points and stroke width, in page pixels.
MEASURE = """() => {
  const svg = document.querySelector('svg');
  const point = (el, x, y) => { const p = svg.createSVGPoint(); p.x = x; p.y = y;
    const q = p.matrixTransform(el.getScreenCTM()); return [q.x, q.y]; };
  const box = r => [r.left, r.top, r.right, r.bottom];
  const labels = [...svg.querySelectorAll('text.label')].map(t => ({
    text: t.textContent, edge: t.getAttribute('data-edge'), box: box(t.getBoundingClientRect()),
    halo: box(t.previousElementSibling.getBoundingClientRect())}));
  const lines = [...svg.querySelectorAll('line')].map(l => {
    const a = point(l, l.x1.baseVal.value, l.y1.baseVal.value), b = point(l, l.x2.baseVal.value, l.y2.baseVal.value);
    return {edge: l.getAttribute('data-edge'), a, b, width: l.getAttribute('stroke-width') * l.getScreenCTM().a};
  });
  return {labels, lines};
}"""


def figures(tmp_path_factory) -> dict[str, str]:
    import tracer
    from tracer.lesson.render import derive_per_layer, draw_figures
    from tracer.lesson.context import Options
    from tracer.shipped import examples_dir

    out = {f"default/{p.name}": p.read_text(encoding="utf-8")
           for p in sorted((ROOT / "output" / "figures").glob("*.svg")) if not p.name.startswith("loss")}
    for name, config, over in (("deep", str(examples_dir() / "deep_tanh_bias.toml"), {}),
                               ("wide", None, {"network.layers": [3, 32, 16, 1]})):
        trace = tracer.run(tracer.load_config(config, {**over, "train.iterations": 20, "record.iterations": "0,19"}))
        drawn = draw_figures(trace, derive_per_layer(trace, 0, 4), Options(digits=4, iteration=0, table_iterations=()))
        out.update({f"{name}/{path.split('/')[-1]}": svg for path, svg in drawn.values()})
    return out


@pytest.fixture(scope="module")
def measured(browser, tmp_path_factory):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    out = {}
    for name, svg in figures(tmp_path_factory).items():
        page.set_content(f"<!doctype html><html><body style='margin:0'>{svg}</body></html>")
        out[name] = page.evaluate(MEASURE)
    page.close()
    return out


def crosses(a, b, width, box) -> bool:
    """Whether the stroked segment a–b touches the rectangle (Liang–Barsky)."""
    from tracer.render.labels import Box, Segment, crosses as hit

    return hit(Segment(a[0], a[1], b[0], b[1], width), Box(*box))


def test_the_figures_were_measured(measured):
    names = set(measured)
    assert {"default/network-initial.svg", "default/network-final.svg", "default/chain-w0.svg",
            "deep/network-initial.svg", "deep/chain-w0.svg", "wide/network-initial.svg"} <= names
    assert len(measured["default/network-initial.svg"]["labels"]) == 16          # every weight of 3-4-1
    assert all(measured[n]["labels"] for n in names)


def test_labels_never_overlap_and_no_other_line_crosses_them(measured):
    problems = []
    for name, m in sorted(measured.items()):
        boxes = m["labels"]
        for n, a in enumerate(boxes):
            for b in boxes[n + 1:]:
                x0, y0, x1, y1 = a["box"]
                u0, v0, u1, v1 = b["box"]
                if x0 < u1 and u0 < x1 and y0 < v1 and v0 < y1:
                    problems.append(f"{name}: {a['text']!r} overlaps {b['text']!r}")
            for line in m["lines"]:
                if a["edge"] is not None and line["edge"] == a["edge"]:
                    continue
                if crosses(line["a"], line["b"], line["width"], a["box"]):
                    problems.append(f"{name}: line {line['edge']} crosses label {a['text']!r} ({a['edge']})")
    assert not problems, "\n".join(problems[:20])


def test_each_text_lies_inside_its_halo(measured):
    problems = []
    for name, m in sorted(measured.items()):
        for label in m["labels"]:
            x0, y0, x1, y1 = label["box"]
            h0, k0, h1, k1 = label["halo"]
            if x0 < h0 - 0.5 or y0 < k0 - 0.5 or x1 > h1 + 0.5 or y1 > k1 + 0.5:
                problems.append(f"{name}: {label['text']!r} {label['box']} outside its halo {label['halo']}")
    assert not problems, "\n".join(problems[:20])
