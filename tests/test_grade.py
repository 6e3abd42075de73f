"""Classes that can be handed out (keys outside the class folder, worksheets about numbers the
lesson does not print, ``answers.json``, the template CSV) and ``nntrace grade``."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

import tracer
from tracer.batch.answers import answers_folder, worksheet_iteration
from tracer.cli import main
from tracer.grade import judge

SMALL = ["--iterations", "300", "--lang", "en,zh-en", "--format", "md,html"]


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    assert main(["batch", "--seeds", "1-3", "--jobs", "1", "--out", str(root / "class"), "--exercises", *SMALL]) == 0
    return root


def _keys(folder: Path) -> dict[int, dict]:
    keys = {}
    for path in sorted(folder.glob("seed-*/answers.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        keys[data["seed"]] = data
    return keys


def test_keys_go_to_the_sibling_folder_never_inside(klass):
    out, answers = klass / "class", klass / "class-answers"
    assert sorted(p.name for p in answers.iterdir() if not p.name.startswith(".")) == [
        "seed-001", "seed-002", "seed-003", "submissions-template.csv"]
    assert not [p for p in out.rglob("*") if p.name.startswith("answers")]
    assert {p.name for p in (answers / "seed-002").iterdir()} >= {"answers.json", "answers.en.md", "answers.zh-en.html"}


def test_a_key_folder_inside_the_class_is_refused(tmp_path, capsys):
    out = tmp_path / "class"
    for inside in (out, out / "keys", out / "a" / ".." / "keys"):
        assert main(["batch", "--seeds", "1", "--out", str(out), "--exercises", "--answers", str(inside), *SMALL]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "inside the class folder" in err and "class-answers" in err
    assert not out.exists()
    assert main(["batch", "--seeds", "1", "--out", str(out), "--answers", str(tmp_path / "k"), *SMALL]) == 2
    assert "--answers needs --exercises" in capsys.readouterr().err
    assert not out.exists()
    assert answers_folder(out, tmp_path / "keys") == tmp_path / "keys"
    assert answers_folder(out, None) == tmp_path / "class-answers"


def test_answers_json_holds_the_trace_values_at_the_worksheet_iteration(klass):
    keys = _keys(klass / "class-answers")
    assert sorted(keys) == [1, 2, 3]
    for seed, key in keys.items():
        j = key["iteration"]
        assert j == worksheet_iteration(seed, 300) and j != 0
        trace = tracer.run(tracer.load_config(None, {"train.iterations": j + 1, "init.seed": seed,
                                                     "record.iterations": str(j)}))
        ids = [q["id"] for q in key["questions"]]
        assert ids == [f"q{n}" for n in range(1, len(ids) + 1)] and len(ids) == 6
        for q in key["questions"]:
            assert q["value"] == float(trace.get(q["tensor"], j)[tuple(q["index"])])
            assert 0 < q["tolerance"] < max(abs(q["value"]), 1e-3)
        sheet = (klass / "class" / f"seed-{seed:03d}" / "exercises.en.md").read_text()
        assert f"$j = {j}$" in sheet
    template = (klass / "class-answers" / "submissions-template.csv").read_text().splitlines()
    assert template[0] == "student,seed,q1,q2,q3,q4,q5,q6"
    assert [row.split(",")[1] for row in template[1:]] == ["1", "2", "3"]


def _lesson_texts(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith("exercises")]


@pytest.mark.slow
def test_no_answer_of_a_30_seed_class_is_printed_in_that_students_lesson(tmp_path):
    out = tmp_path / "class"
    assert main(["batch", "--seeds", "1-30", "--out", str(out), "--exercises", "--lang", "zh,en,zh-en"]) == 0
    keys = _keys(tmp_path / "class-answers")
    assert sorted(keys) == list(range(1, 31))
    for seed, key in keys.items():
        texts = _lesson_texts(out / f"seed-{seed:03d}")
        assert len(texts) >= 10
        for q in key["questions"]:
            shown = q["shown"].lstrip("-")
            # the number as a whole token, with or without its sign, as the key writes it
            pattern = re.compile(r"(?<![\d.])" + re.escape(shown) + r"(?!\d)")
            hits = [t for t in texts if pattern.search(t)]
            assert not hits, (seed, q["id"], q["shown"])


def test_judge_feedback_words():
    value, tol, half = -0.1197, 0.002, 0.00005
    assert judge(-0.11972, value, tol, half) == "correct"
    assert judge(-0.1185, value, tol, half) == "tolerance"
    assert judge(0.1197, value, tol, half) == "sign"
    for factor in (10, 0.01, 2, 0.5):
        assert judge(value * factor, value, tol, half) == "factor"
    assert judge(None, value, tol, half) == "missing"
    assert judge(-0.15, value, tol, half) == "wrong"
    assert judge(0.0, 0.0, 1e-6, 5e-7) == "correct"


def _submissions(path: Path, keys: dict[int, dict]) -> list[list[str]]:
    ids = [q["id"] for q in keys[1]["questions"]]
    rows = [["student", "seed", *ids]]
    for seed in (1, 2, 3):
        rows.append([f"学生{seed}", str(seed), *(q["shown"] for q in keys[seed]["questions"])])
    rows.append(["bad seed", "x", *[""] * len(ids)])
    v = [q["value"] for q in keys[2]["questions"]]
    near = v[4] + 0.6 * keys[2]["questions"][4]["tolerance"]
    rows.append(["mixed", "2", str(-v[0]), str(v[1] * 10), "", "12345", repr(near), ""])
    rows.append(["typo", "2", "", "", "", "", "", "not a number"])
    rows.append(["ghost", "99", *[""] * len(ids)])
    rows.append(["half", "1", "", f"{-keys[1]['questions'][1]['value']:.5f}", "", "", "", ""])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return rows


def test_grade_writes_rows_in_input_order_and_names_bad_rows(klass, tmp_path, capsys):
    keys = _keys(klass / "class-answers")
    rows = _submissions(tmp_path / "subs.csv", keys)
    code = main(["grade", "--answers", str(klass / "class-answers"), str(tmp_path / "subs.csv"),
                 "--out", str(tmp_path / "grades")])
    err = capsys.readouterr().err
    assert code == 1
    assert "row 5: seed 'x' is not a whole number" in err and "row 8: no answer key for seed 99" in err
    assert "row 7: q6 'not a number' is not a number" in err
    out = list(csv.reader((tmp_path / "grades" / "grades.csv").open(encoding="utf-8")))
    assert out[0] == ["student", "seed", "score", "max", "q1", "q2", "q3", "q4", "q5", "q6"]
    assert [r[0] for r in out[1:]] == [r[0] for r in rows[1:]]
    for r in out[1:4]:
        assert r[2:4] == ["6", "6"] and r[4:] == ["correct"] * 6
    assert out[4][2:] == [""] * 8 and out[6][2:] == [""] * 8 and out[7][2:] == [""] * 8
    assert out[5][2:] == ["1", "6", "sign", "factor", "missing", "wrong", "tolerance", "missing"]
    assert out[8][2:] == ["0", "6", "missing", "sign", "missing", "missing", "missing", "missing"]
    summary = (tmp_path / "grades" / "summary.zh-en.md").read_text(encoding="utf-8")
    assert "每道题的情况" in summary and "How each question went" in summary and "row 8" in summary
    assert "| 6 / 6 | 3 |" in summary and "| 1 / 6 | 1 |" in summary and "| 0 / 6 | 1 |" in summary
    assert "| q1 | 3 | 0 | 1 | 0 | 1 | 0 |" in summary   # correct, tolerance, sign, factor, missing, wrong
    html = (tmp_path / "grades" / "summary.en.html").read_text(encoding="utf-8")
    assert "<table" in html and "Rows that could not be graded" in html


def test_grade_refuses_unusable_inputs(tmp_path, klass, capsys):
    subs = tmp_path / "s.csv"
    subs.write_text("name,q1\nann,1\n", encoding="utf-8")
    for argv, words in [
        (["--answers", str(tmp_path / "nope"), str(subs)], "is not a folder"),
        (["--answers", str(tmp_path), str(subs)], "holds no seed-*/answers.json"),
        (["--answers", str(klass / "class-answers"), str(subs)], "no `seed` column"),
        (["--answers", str(klass / "class-answers"), str(tmp_path / "missing.csv")], "cannot read submissions"),
    ]:
        assert main(["grade", *argv, "--out", str(tmp_path / "g")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err
    assert not (tmp_path / "g").exists()


def test_semicolons_full_width_digits_and_a_decimal_comma(klass, tmp_path):
    keys = _keys(klass / "class-answers")
    q = keys[3]["questions"]
    shown = q[0]["shown"].replace(".", ",")
    wide = q[1]["shown"].translate(str.maketrans("0123456789.-", "０１２３４５６７８９．−"))
    (tmp_path / "s.csv").write_text(f"\ufeffseed;q1;q2\n3;{shown};{wide}\n", encoding="utf-8")
    assert main(["grade", "--answers", str(klass / "class-answers"), str(tmp_path / "s.csv"),
                 "--out", str(tmp_path / "g"), "--lang", "en", "--format", "md"]) == 0
    row = list(csv.reader((tmp_path / "g" / "grades.csv").open(encoding="utf-8")))[1]
    assert row[:6] == ["", "3", "2", "6", "correct", "correct"] and row[6:] == ["missing"] * 4


@pytest.mark.parametrize("typed, value", [("−0.9998", -0.9998), ("-0.9998", -0.9998), ("1.2e−05", 1.2e-05),
                                          ("−1.2e−05", -1.2e-05), ("−０,５", -0.5)])
def test_answers_copied_from_a_table_with_u2212_read_as_typed_with_a_hyphen(typed, value):
    """Tables print U+2212 (tracer.render.numbers.table_minus); a student who copies a number
    from one is graded as if they had typed '-'."""
    from tracer.grade.grade import parse_answer

    assert parse_answer(typed) == value
