"""The docs are a reference that stays whole: every link leads to a file in the repository, the
decision index lists exactly the records in docs/decisions/, and every file and test RULES.md names
exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RECORDS = DOCS / "decisions"
INDEX = DOCS / "DECISIONS.md"
RULES = DOCS / "RULES.md"

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
PARENT_PATH = re.compile(r"(?<![\w./-])((?:\.\./)+[\w./-]*)")
WEB = ("http://", "https://")
RECORD_PARTS = ("## Context", "## Decision", "## Consequences")
SCREEN_LINES = 50
INDEX_LINE = re.compile(r"^- \[[^\]]+\]\(decisions/([a-z0-9-]+)\.md\): \S.*$")
NAMED_TEST = re.compile(r"`(test_\w+)`")
NAMED_FILE = re.compile(r"`([\w./-]+\.(?:py|js|html|css|yaml|json))`")
TEST_DEF = re.compile(r"^\s*(?:async\s+)?def (test_\w+)", re.MULTILINE)
DIARY = re.compile(
    r"\u00a7|\bround \d+|\bissue #?\d+|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth|eleventh|twelfth|thirteenth|this|last|next) round\b",
    re.IGNORECASE,
)


def documents(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def _outside(path: Path, root: Path) -> bool:
    return not path.resolve().is_relative_to(root.resolve())


def link_problems(doc: Path, root: Path = ROOT) -> list[str]:
    """What in `doc` points at a file that does not exist or lies outside `root`."""
    problems = []
    text = doc.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if target.startswith(WEB) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if ":" in path or path.startswith("/"):
            problems.append(f"{target}: not a path in the repository")
            continue
        resolved = doc.parent / path
        if _outside(resolved, root):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
    for mention in PARENT_PATH.findall(text):
        if _outside(doc.parent / mention, root):
            problems.append(f"{mention}: outside the repository")
    return problems


def index_problems(index: Path = INDEX, records: Path = RECORDS) -> list[str]:
    """Records the index lists that do not exist, records it misses, and lines not in its format."""
    listed: list[str] = []
    problems = []
    for line in index.read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            found = INDEX_LINE.match(line)
            if found is None:
                problems.append(f"not `- [Title](decisions/slug.md): one sentence`: {line}")
            else:
                listed.append(found.group(1))
    present = {path.stem for path in records.glob("*.md")}
    problems += [f"listed twice: {slug}" for slug in sorted({s for s in listed if listed.count(s) > 1})]
    problems += [f"listed, no record: decisions/{slug}.md" for slug in sorted(set(listed) - present)]
    problems += [f"a record the index misses: decisions/{slug}.md" for slug in sorted(present - set(listed))]
    return problems


def _repository_files(root: Path) -> list[Path]:
    skipped = {"node_modules", "__pycache__"}
    return [
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and not any(p.startswith(".") or p in skipped for p in path.relative_to(root).parts)
    ]


def rules_problems(rules: Path = RULES, root: Path = ROOT) -> list[str]:
    """The tests RULES.md names that no test file defines, and the files it names (by a path's end, as
    the rules abbreviate them) that are not in the repository."""
    text = rules.read_text(encoding="utf-8")
    files = _repository_files(root)
    defined: set[str] = set()
    for path in files:
        if path.name.startswith("test") and path.suffix == ".py":
            defined.update(TEST_DEF.findall((root / path).read_text(encoding="utf-8")))
    # `checkin/api/x.py` is services/checkin/src/visitflow_checkin/api/x.py
    ends = {
        "/" + end for path in files for end in (path.as_posix(), path.as_posix().replace("visitflow_", ""))
    }
    problems = [f"no such test: {name}" for name in sorted(set(NAMED_TEST.findall(text)) - defined)]
    for named in sorted(set(NAMED_FILE.findall(text))):
        if not any(end.endswith("/" + named) for end in ends):
            problems.append(f"no such file: {named}")
    return problems


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_leads_to_a_file_in_the_repository(doc: Path) -> None:
    assert link_problems(doc) == []


def test_the_decision_index_lists_exactly_the_records() -> None:
    assert index_problems() == []


def test_every_file_and_test_the_rules_name_exists() -> None:
    assert rules_problems() == []


@pytest.mark.parametrize("record", sorted(RECORDS.glob("*.md")), ids=lambda p: p.stem)
def test_a_record_says_its_context_decision_and_consequences_on_a_screen(record: Path) -> None:
    text = record.read_text(encoding="utf-8")

    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert text.startswith("# ")
    assert [h for h in headings if h in RECORD_PARTS] == list(RECORD_PARTS)
    assert len(text.splitlines()) <= SCREEN_LINES


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_describe_the_system_as_it_is_not_its_history(doc: Path) -> None:
    assert DIARY.findall(doc.read_text(encoding="utf-8")) == []


# --- the checks themselves, on a small tree ------------------------------------------------------------


def test_a_link_to_a_missing_file_or_outside_the_tree_is_found(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "A.md").write_text("# A\n", encoding="utf-8")
    doc = root / "README.md"
    doc.write_text(
        "[a](docs/A.md#part) [web](https://example.org) [here](#top) ![missing](docs/screens/x.png)\n"
        "[out](../shared/DESIGN.md) and `../shared/DOMAIN.md` and [abs](/etc/hosts) [f](file:///x)\n",
        encoding="utf-8",
    )

    assert link_problems(doc, root) == [
        "docs/screens/x.png: no such file",
        "../shared/DESIGN.md: outside the repository",
        "/etc/hosts: not a path in the repository",
        "file:///x: not a path in the repository",
        "../shared/DESIGN.md: outside the repository",
        "../shared/DOMAIN.md: outside the repository",
    ]


def test_an_index_that_lists_a_missing_record_or_misses_one_is_found(tmp_path: Path) -> None:
    records = tmp_path / "decisions"
    records.mkdir()
    for slug in ("kept", "unlisted"):
        (records / f"{slug}.md").write_text("# x\n", encoding="utf-8")
    index = tmp_path / "DECISIONS.md"
    index.write_text(
        "# Decisions\n\nIntro.\n\n- [Kept](decisions/kept.md): it holds.\n"
        "- [Gone](decisions/gone.md): it was removed.\n- [Kept](decisions/kept.md)\n",
        encoding="utf-8",
    )

    assert index_problems(index, records) == [
        "not `- [Title](decisions/slug.md): one sentence`: - [Kept](decisions/kept.md)",
        "listed, no record: decisions/gone.md",
        "a record the index misses: decisions/unlisted.md",
    ]


def test_a_rule_naming_a_missing_test_or_file_is_found(tmp_path: Path) -> None:
    (tmp_path / "services" / "queue" / "tests").mkdir(parents=True)
    (tmp_path / "services" / "queue" / "decide.py").write_text("", encoding="utf-8")
    (tmp_path / "services" / "queue" / "tests" / "test_decide.py").write_text(
        "def test_kept() -> None:\n    pass\n\nasync def test_awaited() -> None:\n    pass\n",
        encoding="utf-8",
    )
    rules = tmp_path / "RULES.md"
    rules.write_text(
        "| rule | `queue/decide.py` | `test_decide.py`: `test_kept`, `test_awaited`, `test_gone` |\n"
        "| other | `queue/moved.py` | `tests/test_decide.py` |\n",
        encoding="utf-8",
    )

    assert rules_problems(rules, tmp_path) == ["no such test: test_gone", "no such file: queue/moved.py"]


def test_diary_wording_is_recognised() -> None:
    section = "\N{SECTION SIGN}"
    text = (
        f"Since DECISIONS {section}48, measured in the third round (round 4) for issue 6; the ground is fine."
    )

    assert DIARY.findall(text) == [section, "third round", "round 4", "issue 6"]
