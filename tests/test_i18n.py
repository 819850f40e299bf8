"""The translations (scripts/i18n.py): catalogues complete, faithful, in step with the sources."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n  # noqa: E402

from helpers import translation  # noqa: E402

# --- the pieces, by hand ------------------------------------------------------------------------


def test_blocks_keep_code_and_display_math_whole_and_join_back():
    text = (
        "## 1. Title\n\nA paragraph\non two lines.\n\n```python\nx = 1\n\ny = 2\n```\n\n"
        "$$\na = b\n$$\n\n<!-- a comment only -->\n\n- a list\n- of two"
    )
    blocks = translation.split_blocks(text)
    assert translation.join_blocks(b for b, _ in blocks) == text
    translatable = [b for b, ok in blocks if ok]
    assert translatable == ["## 1. Title", "A paragraph\non two lines.", "- a list\n- of two"]
    assert "```python\nx = 1\n\ny = 2\n```" in [b for b, ok in blocks if not ok]


def test_a_glued_number_is_not_in_the_message_and_comes_back_from_the_source():
    source = "The churn rate is 0.557<!-- glue: churn_rate | .3f --> today."
    msgid = translation.message(source)
    assert msgid == "The churn rate is <!-- glue: churn_rate | .3f --> today."
    chinese = "今天的流失率是<!-- glue: churn_rate | .3f -->。"
    assert (
        translation.refill(chinese, source)
        == "今天的流失率是0.557<!-- glue: churn_rate | .3f -->。"
    )
    # a re-run that changes the number changes neither the message nor the translation
    assert translation.message(source.replace("0.557", "0.561")) == msgid


def test_a_changed_english_block_keeps_its_translation_marked_fuzzy():
    old = polib.POFile()
    loyal = "Customers who bought twice are loyal."
    old.append(polib.POEntry(msgid=loyal, msgstr="买过两次的客户是忠诚的。"))
    old.append(polib.POEntry(msgid="A heading", msgstr="标题"))
    blocks = [
        i18n.Block("A heading", "cell 0"),
        i18n.Block("Customers who bought twice or more are loyal.", "cell 1"),
        i18n.Block("Something new entirely, unlike anything before.", "cell 2"),
    ]
    po = i18n.merged("x", blocks, old)
    heading, changed, new = list(po)
    assert (heading.msgstr, heading.fuzzy) == ("标题", False)
    assert changed.fuzzy and changed.msgstr == "买过两次的客户是忠诚的。"
    assert changed.previous_msgid == loyal
    assert (new.msgstr, new.fuzzy) == ("", False)
    assert i18n.entry_problems(changed)[0].startswith("fuzzy")
    assert i18n.entry_problems(new) == ["untranslated"]


@pytest.mark.parametrize(
    ("chinese", "problem"),
    [
        ("我们保留了 **2,495** 位客户（94%），见 `clean`、[说明](a.md) 和 $x^2$。", "numbers"),
        ("我们保留了 **2,495** 位客户（94.5%），见 clean、[说明](a.md) 和 $x^2$。", "code spans"),
        (
            "我们保留了 **2,495** 位客户（94.5%），见 `clean`、[说明](b.md) 和 $x^2$。",
            "link targets",
        ),
        ("我们保留了 **2,495** 位客户（94.5%），见 `clean`、[说明](a.md) 和 $x^3$。", "formulas"),
        ("### 保留\n\n**2,495**（94.5%）`clean` [说明](a.md) $x^2$", "heading level"),
    ],
)
def test_a_translation_that_loses_what_it_must_keep_is_refused(chinese, problem):
    english = "## Kept\n\n" if problem == "heading level" else ""
    english += "We kept **2,495** customers (94.5%), see `clean`, [the note](a.md) and $x^2$."
    entry = polib.POEntry(msgid=english, msgstr=chinese)
    problems = i18n.entry_problems(entry)
    assert len(problems) == 1 and problems[0].startswith(problem)


def test_numbers_written_against_chinese_text_and_months_as_numbers_count():
    entry = polib.POEntry(
        msgid="On 1 March 2024, 2,495 customers bought.", msgstr="2024年3月1日，共2,495位客户购买。"
    )
    assert i18n.entry_problems(entry) == []
    entry.msgstr = "2024年3月2日，共2,495位客户购买。"
    assert i18n.entry_problems(entry) == ["numbers: lost 1; added 2"]


def test_apply_translates_a_notebook_and_leaves_its_code_alone(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## 1. Rate\n\nThe rate is 0.25<!-- glue: r | .2f -->."),
        nbformat.v4.new_code_cell("print('rate')"),
    ]
    po = polib.POFile()
    po.append(polib.POEntry(msgid="## 1. Rate", msgstr="## 1. 比率"))
    po.append(
        polib.POEntry(
            msgid="The rate is <!-- glue: r | .2f -->.", msgstr="比率是<!-- glue: r | .2f -->。"
        )
    )
    missing: list[str] = []
    table = {e.msgid: e.msgstr for e in po}
    text = translation.translate_markdown(nb.cells[0].source, table, missing)
    assert text == "## 1. 比率\n\n比率是0.25<!-- glue: r | .2f -->。" and missing == []
    assert translation.translate_markdown(
        "Untranslated.", table, missing
    ) == "Untranslated." and missing == ["Untranslated."]


# --- the real catalogues ------------------------------------------------------------------------


def test_every_chapter_and_guide_has_a_catalogue():
    names = {name for _, name in i18n.sources()}
    assert {p.stem for p in i18n.LOCALE.glob("*.po")} == names
    # the chapters, five guides and the two catalogues of the code's messages
    assert len(names) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))) + 7


def test_every_message_is_translated_faithfully_and_in_step_with_its_source():
    problems = i18n.check()
    assert problems == [], "\n".join(problems[:30]) + f"\n({len(problems)} problems)"


def test_the_chinese_notebooks_are_the_english_ones_with_translated_markdown(tmp_path):
    left = i18n.apply(ROOT / "notebooks", tmp_path)
    assert all(count == 0 for count in left.values()), left
    english = nbformat.read(ROOT / "notebooks" / "04_rfm.ipynb", as_version=4)
    chinese = nbformat.read(tmp_path / "04_rfm.ipynb", as_version=4)
    # one cell more, before the first code cell: the exercise checks speak Chinese
    first = next(i for i, c in enumerate(english.cells) if c.cell_type == "code")
    added = chinese.cells.pop(first)
    assert "language" in added.metadata.tags and 'set_language("zh")' in added.source
    assert len(english.cells) == len(chinese.cells)
    verdicts = 0
    for a, b in zip(english.cells, chinese.cells, strict=True):
        if a.cell_type == "code" and "exercises.check(" in a.source:
            # the recorded verdict as the check says it in Chinese: the same exercise id
            said = a.outputs[0]["data"]["text/plain"]
            assert said.startswith("Exercise 04.") and said.endswith("correct. Well done.")
            chinese_said = b.outputs[0]["data"]["text/plain"]
            assert said[9:13] in chinese_said and "Well done" not in chinese_said
            verdicts += 1
        elif a.cell_type == "code":
            assert (a.source, a.outputs) == (b.source, b.outputs)
    assert verdicts >= 3
    prose = "".join(c.source for c in chinese.cells if c.cell_type == "markdown")
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in prose) > 2000
    assert chinese.metadata["customer_value_lab"]["language"] == "zh_CN"


def test_make_builds_the_chinese_book_with_a_real_locale():
    # `make site LANG=zh` hands LANG=zh on to its commands; no system has that locale
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(
        ["make", "-n", "site", "LANG=zh"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    books = [line for line in plan if "build_book.py" in line]
    assert len(books) == 2 and all(line.startswith("LANG=C.UTF-8 ") for line in books)
    assert "--lang zh --out build/site-zh --other ../site" in books[1]
    english = subprocess.run(
        ["make", "-n", "site", "LANG=C.UTF-8"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert "--lang zh" not in english and "LANG=C.UTF-8 " not in english
