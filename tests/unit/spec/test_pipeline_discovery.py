"""Which pipeline runs: discovery over ``$MSK_FEATURES_PIPELINE_PACKAGES``, and no default pipeline."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

import flink_jobs.pipelines as pipelines
from flink_jobs.config import ConfigError, parse_config
from flink_jobs.pipelines import (
    ENV_PIPELINE_PACKAGES,
    get_pipeline,
    pipeline_names,
    pipeline_packages,
    resolve_pipeline_name,
)
from flink_jobs.runtime.job import build_pipeline
from msk_features.cli import main
from msk_features.cli.pipeline import EXAMPLE_PROPERTIES

SHIPPED = sorted(p.stem for p in Path(pipelines.__file__).parent.glob("*.py") if not p.name.startswith("_"))


@pytest.fixture(autouse=True)
def _no_extra_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_PIPELINE_PACKAGES, raising=False)
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES", raising=False)


def package_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **modules: str) -> str:
    """An importable package (a fresh name) holding ``modules`` (name -> source)."""
    name = f"team_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for module, source in modules.items():
        (folder / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


SUBSET_OF_IOT = (
    "from dataclasses import replace\n"
    "from flink_jobs.pipelines import iot\n"
    "PIPELINE = replace(iot.PIPELINE, name='{name}', feature_sets=iot.PIPELINE.feature_sets[:1])\n"
)


def test_a_named_package_adds_its_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = package_of(tmp_path, monkeypatch, mine=SUBSET_OF_IOT.format(name="mine"), _helper="")
    monkeypatch.setenv(ENV_PIPELINE_PACKAGES, f" {package} ,")
    assert pipeline_packages() == ["flink_jobs.pipelines", package]
    assert pipeline_names() == sorted([*SHIPPED, "mine"])
    assert get_pipeline("mine").name == "mine"


def test_without_the_variable_only_the_shipped_pipelines() -> None:
    assert pipeline_packages() == ["flink_jobs.pipelines"]
    assert pipeline_names() == SHIPPED


def test_a_name_defined_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = package_of(tmp_path, monkeypatch, iot=SUBSET_OF_IOT.format(name="iot"))
    monkeypatch.setenv(ENV_PIPELINE_PACKAGES, package)
    with pytest.raises(ConfigError) as info:
        pipeline_names()
    assert str(info.value) == (
        f"property group 'pipeline', key 'name': pipeline 'iot' is defined twice: flink_jobs.pipelines.iot "
        f"and {package}.iot (expected one module per pipeline name: rename one)"
    )


@pytest.mark.parametrize(
    ("named", "problem"),
    [
        ("no_such_package_here", "cannot import package 'no_such_package_here'"),
        ("flink_jobs.config", "'flink_jobs.config' is a module, not a package"),
    ],
)
def test_a_bad_package_names_the_variable(monkeypatch: pytest.MonkeyPatch, named: str, problem: str) -> None:
    monkeypatch.setenv(ENV_PIPELINE_PACKAGES, named)
    with pytest.raises(ConfigError) as info:
        get_pipeline("fraud")
    message = str(info.value)
    assert message.startswith(f"property group '(environment)', key '{ENV_PIPELINE_PACKAGES}': {problem}")


def test_no_name_with_several_pipelines_lists_them() -> None:
    assert len(SHIPPED) > 1
    with pytest.raises(ConfigError) as info:
        resolve_pipeline_name(None)
    assert str(info.value) == (
        f"property group 'pipeline', key 'name': no pipeline is named and there are {len(SHIPPED)} to "
        f"choose from (expected one of {', '.join(SHIPPED)})"
    )
    with pytest.raises(ConfigError, match="no pipeline is named"):
        build_pipeline(parse_config(EXAMPLE_PROPERTIES))  # the job: properties without pipeline.name


def test_no_name_with_one_pipeline_is_that_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipelines, "pipeline_names", lambda: ["iot"])
    assert resolve_pipeline_name(None) == "iot"
    assert resolve_pipeline_name("fraud") == "fraud"  # a name is taken as it is


@pytest.mark.parametrize(
    ("command", "given_as"),
    [
        (["sql"], "the PIPELINE argument"),
        (["manifest"], "the PIPELINE argument"),
        (["outputs", "--properties", "props.json"], "the PIPELINE argument"),
        (["topics", "apply", "--properties", "props.json"], "--pipeline NAME"),
    ],
)
def test_a_command_without_a_pipeline_says_how_to_name_one(
    command: list[str], given_as: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .local-stack/application_properties.json here
    (tmp_path / "props.json").write_text(json.dumps(EXAMPLE_PROPERTIES))  # names no pipeline
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"Name it as {given_as} (one of {', '.join(SHIPPED)}) or as pipeline.name" in text
    assert "Traceback" not in result.output


def test_a_command_uses_pipeline_name_of_the_properties(tmp_path: Path) -> None:
    path = tmp_path / "props.json"
    path.write_text(
        json.dumps([*EXAMPLE_PROPERTIES, {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "iot"}}])
    )
    result = CliRunner().invoke(main, ["manifest", "--properties", str(path)])
    assert result.exit_code == 0, result.output
    assert '"pipeline": "iot"' in result.output
