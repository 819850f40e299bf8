"""Translations of the course as gettext catalogues: extract, apply, check.

    python scripts/i18n.py extract      # locale/zh_CN/LC_MESSAGES/*.po from the English sources
    python scripts/i18n.py apply --out build/notebooks-zh   # Chinese notebooks and guides
    python scripts/i18n.py check        # every message translated, nothing lost

The English notebooks and guides are the sources; a translation is a catalogue per source
(``locale/zh_CN/LC_MESSAGES/04_rfm.po``, ``docs-teaching.po``), one message per block of
Markdown (a paragraph, a heading, a list, a table), so a translator (or Poedit, Weblate) works
on the usual gettext files and code cells and outputs are shared, never copied.

- ``extract`` rewrites the catalogues from the sources. A block that is new gets an empty
  translation; a block whose English changed keeps its old translation marked **fuzzy**, with
  the old English as ``#| msgid`` (the closest former block of the same source, as msgmerge
  does), so nobody publishes a translation of a sentence that no longer exists.
- A number the prose glues to a recorded result (``0.557<!-- glue: churn_rate | .3f -->``, see
  ``scripts/prose_glue.py``) is not part of the message: the message keeps the comment, and
  ``apply`` writes the English source's current number before it. Re-running a chapter never
  makes its translation stale.
- The code's messages (exercise questions, hints and verdicts; the report's words) are two
  catalogues more, ``helpers.po`` and ``helpers-exercises.po``: ``extract`` collects every
  ``_("...")``, ``N_("...")`` and exercise question and hint from helpers' modules and the
  chapters' code cells, and :mod:`helpers.translation` reads them while the code runs (a
  field such as ``{n:,}`` must survive the translation).
- ``apply`` writes the translated notebooks (code cells and outputs as executed) and guides;
  a translated notebook's first code cell sets helpers' language, and the exercise checks'
  recorded verdicts are written as the check says them in the translation.
- ``check`` fails on an untranslated or fuzzy message, a catalogue that ``extract`` would
  change, and a translation that does not keep the source's numbers, code spans, formulas,
  link targets, glue comments and heading level.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib

from helpers.translation import (
    CODE_CATALOGUES,
    COMMENT,
    message,
    split_blocks,
    translate_markdown,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_course import ROOT, course_notebooks  # noqa: E402

#: The language of the translation, and where its catalogues live.
LANGUAGE = "zh_CN"
LOCALE = ROOT / "locale" / LANGUAGE / "LC_MESSAGES"
#: The guides translated besides the chapters: (source, catalogue name).
GUIDES = [
    (ROOT / "docs" / "teaching.md", "docs-teaching"),
    (ROOT / "docs" / "sources.md", "docs-sources"),
    (ROOT / "docs" / "glossary.md", "docs-glossary"),
    (ROOT / "datasets" / "README.md", "datasets-readme"),
    (ROOT / "README.md", "readme"),
]
#: The code's messages (helpers.translation: ``_("...")``, ``N_("...")`` and the question and
#: hint of every exercise), in two catalogues: the exercises' (helpers/exercises/), and the
#: rest of helpers' modules with the chapters' code cells.
CODE = ROOT / "helpers"
EXERCISES = CODE / "exercises"
#: The calls whose first argument is a message.
MESSAGE_CALLS = {"_", "N_", "gettext"}
#: The calls whose arguments (by position, by name) are messages.
MESSAGE_ARGUMENTS = {"exercise": (1, 2, "question", "hint")}
#: The parts of README.md for learners, which the book shows (its home page's introduction and
#: its page on running the report): name -> (first heading, next heading); "" is the top.
README_PARTS = {
    "intro": ("", "Quick start"),
    "report": ("Run the report on your own data", "Layout"),
}
#: A former message this close to a new one (difflib ratio) passes on its translation, fuzzy.
FUZZY_RATIO = 0.6

CODE_SPAN = re.compile(r"`[^`]+`")  # may wrap over a line: compared with spaces collapsed
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
#: A number of the prose (as prose_glue's NUMBER_TEXT, without a trailing comma: "1, 2"), with
#: ASCII boundaries so that a number written against Chinese text counts (共2,495位).
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-−]?\d(?:[\d,]*\d)?(?:\.\d+)?%?(?![A-Za-z0-9_])")
HEADING = re.compile(r"^(#{1,6})\s")
#: A field that str.format fills in a code message: "{n:,}", "{currency}".
FIELD = re.compile(r"(?<!\{)\{[A-Za-z_][^{}]*\}(?!\})")
#: A month written as a number in a Chinese date (English writes the month as a word).
CHINESE_MONTH = re.compile(r"(?<![0-9])(?:1[0-2]|0?[1-9])\s*月")


@dataclass(frozen=True)
class Block:
    """One translatable block of a Markdown text: its message and where it stands."""

    msgid: str
    place: str


# --- the sources ----------------------------------------------------------------------------


def sources() -> list[tuple[Path, str]]:
    """Every translated source and its catalogue name: the chapters, the guides, the code."""
    code = [(CODE, CODE_CATALOGUES[0]), (EXERCISES, CODE_CATALOGUES[1])]
    return [(path, path.stem) for path in course_notebooks()] + GUIDES + code


def readme_parts(text: str) -> dict[str, str]:
    """The learners' parts of a README (:data:`README_PARTS`), each from its heading line."""
    parts = {}
    for name, (first, before) in README_PARTS.items():
        start = 0 if not first else text.index(f"\n## {first}\n") + 1
        end = text.index(f"\n## {before}\n", start) + 1
        parts[name] = text[start:end]
    return parts


def markdown_texts(path: Path) -> list[tuple[str, str]]:
    """The Markdown of a source: (place, text), one per notebook Markdown cell or the file.

    The place is the file, relative to the repository, and for a notebook the cell's number
    (``notebooks/04_rfm.ipynb:12``): a catalogue's ``#:`` reference.
    """
    file = path.resolve().relative_to(ROOT).as_posix()
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        cells = enumerate(nb.cells)
        return [(f"{file}:{i}", c.source) for i, c in cells if c.cell_type == "markdown"]
    text = path.read_text(encoding="utf-8")
    if path == ROOT / "README.md":
        return [(f"{file}:{name}", part) for name, part in readme_parts(text).items()]
    return [(file, text)]


def source_blocks(path: Path) -> list[Block]:
    """The translatable blocks of a source, in order (the code's: :func:`code_messages`)."""
    if path in (CODE, EXERCISES):
        return code_messages(path)
    out = []
    for place, text in markdown_texts(path):
        out += [Block(message(b), place) for b, ok in split_blocks(text) if ok]
    return out


def code_messages(folder: Path) -> list[Block]:
    """The messages of the modules in ``folder``, file by file (:data:`CODE`: those outside
    :data:`EXERCISES`, and the chapters' code cells)."""
    files = sorted(folder.rglob("*.py"))
    if folder == CODE:
        files = [f for f in files if EXERCISES not in f.parents]
    texts = [(f.relative_to(ROOT).as_posix(), f.read_text(encoding="utf-8")) for f in files]
    for path in course_notebooks() if folder == CODE else []:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                texts.append((f"{path.relative_to(ROOT).as_posix()}:{i}", cell.source))
    out = []
    for place, text in texts:
        # a notebook's magics (%matplotlib) are not Python: blanked, the lines kept
        source = re.sub(r"(?m)^\s*[%!].*$", "", text)
        for node in ast.walk(ast.parse(source, filename=place)):
            for msgid in _call_messages(node):
                file = place if ".ipynb" in place else f"{place}:{node.lineno}"
                out.append(Block(msgid, file))
    return out


def _call_messages(node: ast.AST) -> list[str]:
    """The string constants that a call passes as messages (:data:`MESSAGE_CALLS`, ...)."""
    if not isinstance(node, ast.Call):
        return []
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name in MESSAGE_CALLS:
        wanted: tuple = (0,)
    elif name in MESSAGE_ARGUMENTS:
        wanted = MESSAGE_ARGUMENTS[name]
    else:
        return []
    given = [a for i, a in enumerate(node.args) if i in wanted]
    given += [k.value for k in node.keywords if k.arg in wanted]
    return [a.value for a in given if isinstance(a, ast.Constant) and isinstance(a.value, str)]


# --- catalogues -------------------------------------------------------------------------------


def catalogue_path(name: str, locale: Path = LOCALE) -> Path:
    return locale / f"{name}.po"


def merged(name: str, blocks: list[Block], old: polib.POFile | None) -> polib.POFile:
    """The catalogue of ``blocks``, keeping the translations of ``old`` (fuzzy when changed)."""
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "Customer Value Lab",
        "Language": LANGUAGE,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    known = {e.msgid: e for e in old} if old is not None else {}
    unused = [e for e in known.values() if e.msgstr] if old is not None else []
    wanted = {b.msgid for b in blocks}
    unused = [e for e in unused if e.msgid not in wanted]
    seen: dict[str, polib.POEntry] = {}
    for block in blocks:
        if block.msgid in seen:
            seen[block.msgid].occurrences.append(_reference(block.place))
            continue
        entry = polib.POEntry(msgid=block.msgid, msgstr="", occurrences=[_reference(block.place)])
        if block.msgid in known:
            before = known[block.msgid]
            entry.msgstr, entry.flags = before.msgstr, list(before.flags)
            entry.previous_msgid = before.previous_msgid
        else:
            closest = _closest(block.msgid, unused)
            if closest is not None:
                entry.msgstr, entry.flags = closest.msgstr, ["fuzzy"]
                entry.previous_msgid = closest.msgid
        seen[block.msgid] = entry
        po.append(entry)
    return po


def _reference(place: str) -> tuple[str, str]:
    file, colon, cell = place.rpartition(":")
    return (file, cell) if colon else (place, "")


def _closest(msgid: str, candidates: list[polib.POEntry]) -> polib.POEntry | None:
    best, score = None, FUZZY_RATIO
    for entry in candidates:
        ratio = difflib.SequenceMatcher(None, msgid, entry.msgid, autojunk=False).ratio()
        if ratio >= score:
            best, score = entry, ratio
    return best


def read_catalogue(path: Path) -> polib.POFile | None:
    return polib.pofile(str(path), wrapwidth=0) if path.is_file() else None


def extract(locale: Path = LOCALE, only: Iterable[str] | None = None) -> list[Path]:
    """Write the catalogues of every source (or of the names in ``only``); return them."""
    locale.mkdir(parents=True, exist_ok=True)
    written = []
    for path, name in sources():
        if only is not None and name not in set(only):
            continue
        target = catalogue_path(name, locale)
        po = merged(name, source_blocks(path), read_catalogue(target))
        po.save(str(target))
        written.append(target)
    return written


# --- applying ---------------------------------------------------------------------------------

#: The tag of the cell that a translated notebook starts its code with: it sets helpers'
#: language, so that the exercise checks answer in it (the book leaves the cell out).
LANGUAGE_TAG = "language"
#: A recorded verdict of an exercise check (the course records its solutions' verdicts).
VERDICT = re.compile(r"Exercise (?P<id>\d\d\.\d+): correct\. Well done\.")


def language_cell() -> nbformat.NotebookNode:
    """The first code cell of a translated notebook: helpers speak its language."""
    cell = nbformat.v4.new_code_cell(
        "from helpers import translation\n\n"
        'translation.set_language("zh")  # 练习检查的结论和提示用中文',
        metadata={"tags": ["remove-cell", LANGUAGE_TAG]},
    )
    cell.id = LANGUAGE_TAG  # a fixed id: the same notebook every time
    return cell


def translate_verdicts(cell: nbformat.NotebookNode) -> None:
    """Write an exercise check's recorded verdict as the check says it in the translation."""
    from helpers.exercises import CheckResult
    from helpers.translation import gettext, using_language

    for output in cell.get("outputs", []):
        data = output.get("data", {})
        match = VERDICT.fullmatch(str(data.get("text/plain", "")))
        if match:
            with using_language("zh"):
                verdict = CheckResult(match["id"], "correct", gettext("Well done."))
                data["text/plain"] = str(verdict)


def apply(source_dir: Path, out: Path, locale: Path = LOCALE) -> dict[str, int]:
    """Write the translated chapters of ``source_dir`` and the guides into ``out``.

    Returns
    -------
    dict
        Per catalogue, the number of blocks left in English (no catalogue, or untranslated).
    """
    out.mkdir(parents=True, exist_ok=True)
    left = {}
    for path, name in sources():
        if path in (CODE, EXERCISES):  # read while the code runs (helpers.translation)
            continue
        po = read_catalogue(catalogue_path(name, locale)) or polib.POFile()
        table = {e.msgid: e.msgstr for e in po if e.msgstr and not e.fuzzy}
        missing: list[str] = []
        if path.suffix == ".ipynb":
            nb = nbformat.read(source_dir / path.name, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = translate_markdown(cell.source, table, missing)
                else:
                    translate_verdicts(cell)
            first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
            nb.cells.insert(first_code, language_cell())
            nb.metadata.setdefault("customer_value_lab", {})["language"] = LANGUAGE
            nbformat.write(nb, out / path.name)
        elif path == ROOT / "README.md":  # the learners' parts, one file each
            for part, text in readme_parts(path.read_text(encoding="utf-8")).items():
                target = out / f"README.{part}.md"
                target.write_text(translate_markdown(text, table, missing), encoding="utf-8")
        else:
            target = out / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                translate_markdown(path.read_text(encoding="utf-8"), table, missing), "utf-8"
            )
        left[name] = len(missing)
    return left


# --- checking ---------------------------------------------------------------------------------


def invariants(text: str) -> dict[str, Counter]:
    """What a translation must keep: glue comments, code, formulas, link targets, numbers."""
    comments = COMMENT.findall(text)
    rest = COMMENT.sub(" ", text)
    code = [" ".join(span.split()) for span in CODE_SPAN.findall(rest)]
    rest = CODE_SPAN.sub(" ", rest)
    math = MATH.findall(rest)
    rest = MATH.sub(" ", rest)
    fields = FIELD.findall(rest)
    rest = FIELD.sub(" ", rest)
    links = LINK_TARGET.findall(rest)
    rest = LINK_TARGET.sub("] ", rest)
    rest = CHINESE_MONTH.sub("月", rest)  # "3月1日" for "1 March": the month is a word in English
    numbers = [n.replace("−", "-") for n in NUMBER.findall(rest)]
    heading = HEADING.match(text)
    return {
        "glue comments": Counter(comments),
        "code spans": Counter(code),
        "formulas": Counter(math),
        "fields": Counter(fields),
        "link targets": Counter(links),
        "numbers": Counter(numbers),
        "heading level": Counter([heading.group(1)] if heading else []),
    }


def entry_problems(entry: polib.POEntry) -> list[str]:
    """Why a catalogue entry is not publishable, in words (empty: it is)."""
    if not entry.msgstr:
        return ["untranslated"]
    problems = ["fuzzy: the English changed since it was translated"] if entry.fuzzy else []
    source, target = invariants(entry.msgid), invariants(entry.msgstr)
    for kind, want in source.items():
        got = target[kind]
        if got != want:
            lost, extra = want - got, got - want
            said = []
            if lost:
                said.append("lost " + ", ".join(sorted(lost)))
            if extra:
                said.append("added " + ", ".join(sorted(extra)))
            problems.append(f"{kind}: {'; '.join(said)}")
    return problems


def check(locale: Path = LOCALE, names: Iterable[str] | None = None) -> list[str]:
    """Every problem of the catalogues (of ``names``, default all sources), one line each."""
    problems = []
    wanted = None if names is None else set(names)
    for path, name in sources():
        if wanted is not None and name not in wanted:
            continue
        target = catalogue_path(name, locale)
        po = read_catalogue(target)
        if po is None:
            problems.append(f"{name}: no catalogue (run scripts/i18n.py extract)")
            continue
        current = merged(name, source_blocks(path), po)
        if [e.msgid for e in current] != [e.msgid for e in po]:
            problems.append(f"{name}: out of date with its source (run scripts/i18n.py extract)")
        for entry in current:
            for problem in entry_problems(entry):
                where = ", ".join(
                    f"cell {cell}" if cell else file for file, cell in entry.occurrences
                )
                problems.append(f"{name} ({where}): {problem}: {_short(entry.msgid)}")
    return problems


def _short(text: str, width: int = 70) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def summary(locale: Path = LOCALE) -> Iterator[str]:
    """One line per catalogue: messages, translated, fuzzy."""
    for _, name in sources():
        po = read_catalogue(catalogue_path(name, locale))
        if po is None:
            yield f"{name:32} no catalogue"
            continue
        done = sum(1 for e in po if e.msgstr and not e.fuzzy)
        fuzzy = len(po.fuzzy_entries())
        yield f"{name:32} {len(po):5} messages, {done:5} translated, {fuzzy:3} fuzzy"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ex = commands.add_parser("extract", help="update the catalogues from the English sources")
    ex.add_argument("names", nargs="*", help="catalogue names (default: all)")
    ap = commands.add_parser("apply", help="write translated notebooks and guides")
    ap.add_argument("--from", dest="source", type=Path, default=ROOT / "notebooks")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "notebooks-zh")
    ch = commands.add_parser("check", help="fail on untranslated, fuzzy or unfaithful messages")
    ch.add_argument("names", nargs="*", help="catalogue names (default: all)")
    commands.add_parser("status", help="count the messages of each catalogue")
    args = parser.parse_args(argv)
    if args.command == "extract":
        for path in extract(only=args.names or None):
            print(path.relative_to(ROOT))
        return 0
    if args.command == "apply":
        left = apply(args.source, args.out)
        print(f"translated notebooks and guides in {args.out}")
        for name, count in left.items():
            if count:
                print(f"  {name}: {count} block(s) left in English")
        return 0
    if args.command == "status":
        print("\n".join(summary()))
        return 0
    problems = check(names=args.names or None)
    print("\n".join(problems) if problems else "every message translated and faithful")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
