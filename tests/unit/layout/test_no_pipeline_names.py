"""No pipeline is named outside its own module and the tests (issue 28): generic code takes names.

Every module of ``flink_jobs``, ``connectors``, ``msk_features`` and ``main.py`` is parsed, and each
string constant (default argument values included) that equals a name of a pipeline exactly fails
the test, naming ``file:line`` and the name. The names come from the specs themselves: each
pipeline's name, its sources' names and topics, its feature sets' and scorings' names and their
default topics, for every module of the pipeline packages (the shipped pipelines and the
benchmark's). Docstrings, and help or example text, are prose: only an exact match counts, and a
docstring is not looked at.

A pipeline's own module may name what its spec holds. :data:`ALLOWED` lists the other places that
may name pipelines, each with the reason.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from flink_jobs.features import PipelineSpec
from flink_jobs.topics import default_feature_topic, default_scores_topic

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("flink_jobs", "connectors", "msk_features", "main.py")
PIPELINE_PACKAGES = ("flink_jobs.pipelines", "msk_features.bench.pipelines")
"""Where pipeline modules live (``flink_jobs.pipelines`` and what ``$MSK_FEATURES_PIPELINE_PACKAGES``
names in this repository)."""

ALLOWED: Mapping[str, str] = {
    # A folder (ending in /) or a file, relative to the repository root: why it may name pipelines.
    "msk_features/bench/workload.py": "the benchmark's workload: which pipelines it measures, named once",
    "msk_features/dev/demo.py": "the reference pipeline's demo: names it once (REFERENCE_PIPELINE)",
    "msk_features/dev/generator/profiles/": "the generator's data profiles, one per pipeline it feeds",
}


def _specs() -> dict[str, tuple[PipelineSpec, str]]:
    """Pipeline name -> (spec, path of its module relative to the root), over :data:`PIPELINE_PACKAGES`."""
    specs: dict[str, tuple[PipelineSpec, str]] = {}
    for package in PIPELINE_PACKAGES:
        for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
            if module.name.startswith("_"):
                continue
            loaded = importlib.import_module(f"{package}.{module.name}")
            spec = loaded.PIPELINE
            assert loaded.__file__ is not None
            specs[spec.name] = (spec, Path(loaded.__file__).resolve().relative_to(ROOT).as_posix())
    return specs


def names_of(spec: PipelineSpec) -> set[str]:
    """Every name ``spec`` defines: its own, its sources' and their topics, its feature sets' and
    scorings' and their default topics."""
    names = {spec.name}
    for source in spec.sources:
        names |= {source.name, source.topic or source.name}
    for feature_set in spec.feature_set_names():
        names |= {feature_set, default_feature_topic(feature_set)}
    for scoring in spec.scoring_names():
        names |= {scoring, default_scores_topic(scoring)}
    return names


def _docstrings(tree: ast.AST) -> set[int]:
    """``id`` of every docstring constant of ``tree`` (module, class and function docstrings)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _defaults(tree: ast.AST) -> dict[int, str]:
    """``id`` of each constant in a default argument value -> the function's name."""
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            name = getattr(node, "name", "<lambda>")
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                for inner in ast.walk(default) if default is not None else ():
                    found[id(inner)] = name
    return found


def pipeline_name_hits(path: str, source: str, names: Mapping[str, str], own: set[str]) -> list[str]:
    """``path:line: 'name' (of pipeline P) in ...`` for each string constant of ``source`` that
    equals a key of ``names`` (name -> the pipelines defining it) and is not in ``own``."""
    tree = ast.parse(source, filename=path)
    docstrings, defaults = _docstrings(tree), _defaults(tree)
    hits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in docstrings:
            continue
        if node.value in names and node.value not in own:
            where = f"a default argument of {defaults[id(node)]}()" if id(node) in defaults else "a string"
            hits.append(f"{path}:{node.lineno}: {node.value!r} (of pipeline {names[node.value]}) in {where}")
    return hits


def _scanned_files() -> Iterator[Path]:
    for entry in SCANNED:
        path = ROOT / entry
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def _allowed(relative: str) -> bool:
    return any(relative == key or (key.endswith("/") and relative.startswith(key)) for key in ALLOWED)


def test_no_generic_module_names_a_pipeline() -> None:
    specs = _specs()
    names = {
        name: ", ".join(sorted(p for p, (spec, _) in specs.items() if name in names_of(spec)))
        for spec, _ in specs.values()
        for name in names_of(spec)
    }
    own_module = {module: names_of(spec) for spec, module in specs.values()}
    hits: list[str] = []
    for path in _scanned_files():
        relative = path.relative_to(ROOT).as_posix()
        if _allowed(relative):
            continue
        source = path.read_text(encoding="utf-8")
        hits += pipeline_name_hits(relative, source, names, own_module.get(relative, set()))
    assert not hits, (
        "pipeline names in generic code: take the name as an argument (or from the spec); "
        "tests and a pipeline's own module may name it:\n" + "\n".join(hits)
    )


def test_the_names_come_from_every_pipeline_package() -> None:
    specs = _specs()
    assert {"fraud", "iot", "fraud_windows"} <= set(specs)
    assert names_of(specs["fraud"][0]) == {
        *("fraud", "transactions", "clicks", "profiles", "labels"),
        *("txn_1m", "txn_1h", "session", "txn_features", "fraud_score"),
        *("features-txn-1m", "features-txn-1h", "features-session", "features-txn-features"),
        "scores-fraud-score",
    }
    assert specs["fraud_windows"][1] == "msk_features/bench/pipelines/fraud_windows.py"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('NAME = "fraud"\n', ["x.py:1: 'fraud' (of pipeline p) in a string"]),
        (
            'def f(topic: str = "features-txn-1m") -> None:\n    pass\n',
            ["x.py:1: 'features-txn-1m' (of pipeline p) in a default argument of f()"],
        ),
        (
            'def f(names=("a", "txn_1m")):\n    pass\n',
            ["x.py:1: 'txn_1m' (of pipeline p) in a default argument of f()"],
        ),
        ('x = f"{prefix}fraud"\n', ["x.py:1: 'fraud' (of pipeline p) in a string"]),
        ('"""fraud"""\n', []),  # a docstring
        ('def f():\n    """fraud"""\n', []),
        ('HELP = "the fraud pipeline, e.g. txn_1m"\n', []),  # prose: not an exact match
        ('NAME = "fraudulent"\n', []),
    ],
)
def test_the_check_finds_exact_names_in_strings_and_defaults(source: str, expected: list[str]) -> None:
    names = dict.fromkeys(["fraud", "txn_1m", "features-txn-1m"], "p")
    assert pipeline_name_hits("x.py", source, names, set()) == expected


def test_a_pipelines_own_module_may_name_its_own_names_only() -> None:
    names = {"fraud": "fraud", "txn_1m": "fraud", "iot": "iot"}
    assert pipeline_name_hits(
        "p.py", 'A = "fraud"\nB = "txn_1m"\nC = "iot"\n', names, {"fraud", "txn_1m"}
    ) == ["p.py:3: 'iot' (of pipeline iot) in a string"]
