"""Finding the Terraform CLI, the hashicorp/aws provider binary and checkov; running terraform offline.

Nothing is downloaded here. The provider cannot be fetched on this machine, so it is looked for in
the usual plugin folders (filesystem-mirror layout ``registry.terraform.io/hashicorp/aws/<version>/
<os>_<arch>/``) and in ``$TF_AWS_PROVIDER_DIR``; a test that needs a missing tool is skipped with
the reason, and the terminal summary says which terraform, which provider and which checkov ran.

How terraform runs offline (see :func:`cli_config`):
* modules whose constraint the local provider satisfies: a real ``terraform init -plugin-dir`` in a
  copy of the module (the lock file stays out of the source tree);
* configurations that require a newer provider (FLINK-2_2 needs hashicorp/aws >= 6.40): a CLI
  config with ``dev_overrides`` for hashicorp/aws, which skips version constraints, plus
  ``terraform get`` for the local modules. The data directory is always a temporary one.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .hcl import ROOT

# FLINK-2_2 is accepted by hashicorp/aws from 6.40 on; older providers get this runtime in the tests.
FLINK_2_2_MIN_PROVIDER = (6, 40, 0)
FALLBACK_RUNTIME = "FLINK-1_20"
# aws_msk_topic exists in hashicorp/aws from 6.38 on (hashicorp/terraform-provider-aws#46490).
MSK_TOPIC_MIN_PROVIDER = (6, 38, 0)

PLUGIN_ROOTS = [
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path.home() / ".local" / "share" / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
]

# Lines for the terminal summary: what ran, with which tools, and why anything was overridden.
REPORT: list[str] = []


def report(line: str) -> None:
    """Record ``line`` for the terminal summary (once)."""
    if line not in REPORT:
        REPORT.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT:
        terminalreporter.section("terraform tools")
        for line in REPORT:
            terminalreporter.write_line(line)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


@dataclass(frozen=True)
class Terraform:
    binary: Path
    version: str

    def describe(self) -> str:
        return f"Terraform CLI v{self.version} at {self.binary}"


@dataclass(frozen=True)
class AwsProvider:
    binary: Path
    version: str
    mirror_root: Path | None  # the filesystem-mirror root, when the binary sits in that layout

    @property
    def directory(self) -> Path:
        return self.binary.parent

    @property
    def supports_flink_2_2(self) -> bool:
        return _version_tuple(self.version) >= FLINK_2_2_MIN_PROVIDER

    @property
    def has_msk_topic(self) -> bool:
        return _version_tuple(self.version) >= MSK_TOPIC_MIN_PROVIDER

    def describe(self) -> str:
        return f"hashicorp/aws provider v{self.version} at {self.binary}"


def _platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def find_terraform() -> Terraform | None:
    found = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if not found or not os.access(found, os.X_OK):
        return None
    proc = subprocess.run(
        [found, "version"], capture_output=True, text=True, env=base_env(None), timeout=60, check=False
    )
    match = re.search(r"Terraform v(\S+)", proc.stdout)
    return Terraform(Path(found), match.group(1) if match else "unknown")


def find_aws_provider() -> AwsProvider | None:
    candidates: list[tuple[Path, Path | None]] = []
    if os.environ.get("TF_AWS_PROVIDER_DIR"):
        for binary in Path(os.environ["TF_AWS_PROVIDER_DIR"]).glob("terraform-provider-aws_v*"):
            candidates.append((binary, None))
    for root in PLUGIN_ROOTS:
        pattern = f"registry.terraform.io/hashicorp/aws/*/{_platform()}/terraform-provider-aws_v*"
        candidates.extend((binary, root) for binary in root.glob(pattern))
    candidates = [(b, r) for b, r in candidates if b.is_file() and os.access(b, os.X_OK)]
    if not candidates:
        return None

    def version_of(binary: Path) -> str:
        return re.search(r"_v(\d+\.\d+\.\d+[^_]*)", binary.name).group(1)

    binary, root = max(candidates, key=lambda c: _version_tuple(version_of(c[0])))
    return AwsProvider(binary, version_of(binary), root)


def base_env(cli_config: Path | None, data_dir: Path | None = None) -> dict[str, str]:
    """Environment for terraform: no upgrade check, no prompts, our CLI config, our data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
    if cli_config is not None:
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    if data_dir is not None:
        env["TF_DATA_DIR"] = str(data_dir)
    return env


@dataclass
class TfRunner:
    terraform: Terraform
    cli_config: Path

    def run(
        self, args: list[str], cwd: Path, data_dir: Path, timeout: int = 300
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.terraform.binary), *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=base_env(self.cli_config, data_dir),
            timeout=timeout,
            check=False,
        )


def _no_provider_reason() -> str:
    roots = ", ".join(str(r) for r in PLUGIN_ROOTS)
    return (
        "no hashicorp/aws provider binary on this machine (looked in $TF_AWS_PROVIDER_DIR and the "
        f"filesystem-mirror folders {roots}); it cannot be downloaded here, so offline init, validate "
        "and the mock `terraform test` runs are skipped"
    )


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    found = find_terraform()
    if found is None:
        report("terraform: CLI not found on PATH (or $TERRAFORM): CLI tests skipped")
        pytest.skip(
            "Terraform CLI not found on PATH (or $TERRAFORM); it is not installable from the registries here"
        )
    report(f"terraform: {found.describe()}")
    return found


@pytest.fixture(scope="session")
def aws_provider(terraform: Terraform) -> AwsProvider:
    found = find_aws_provider()
    if found is None:
        report(f"terraform: {_no_provider_reason()}")
        pytest.skip(_no_provider_reason())
    report(f"terraform: {found.describe()}")
    if not found.supports_flink_2_2:
        report(
            f"terraform: provider v{found.version} predates FLINK-2_2 (accepted from hashicorp/aws "
            f"{'.'.join(map(str, FLINK_2_2_MIN_PROVIDER[:2]))}), so the mock `terraform test` runs "
            f"override the runtime variable with {FALLBACK_RUNTIME}; the FLINK-2_2 default itself is "
            "asserted by test_structure.py, and test_old_provider_rejects_flink_2_2 shows this provider "
            "refusing it"
        )
    return found


@pytest.fixture(scope="session")
def empty_cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tfcli") / "empty.tfrc"
    path.write_text("# no provider installation settings: only local modules, no providers\n")
    return path


@pytest.fixture(scope="session")
def override_cli_config(tmp_path_factory: pytest.TempPathFactory, aws_provider: AwsProvider) -> Path:
    """CLI config whose dev_overrides point hashicorp/aws at the local binary (constraints not checked)."""
    path = tmp_path_factory.mktemp("tfcli") / "dev-overrides.tfrc"
    path.write_text(
        "provider_installation {\n"
        "  dev_overrides {\n"
        f'    "registry.terraform.io/hashicorp/aws" = "{aws_provider.directory}"\n'
        "  }\n"
        "  direct {}\n"
        "}\n"
    )
    return path


@pytest.fixture(scope="session")
def tf(terraform: Terraform, override_cli_config: Path) -> TfRunner:
    return TfRunner(terraform, override_cli_config)


@pytest.fixture(scope="session")
def tf_no_provider(terraform: Terraform, empty_cli_config: Path) -> TfRunner:
    return TfRunner(terraform, empty_cli_config)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "tf-data"
    path.mkdir()
    yield path


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --------------------------------------------------------------------------------------------------
# aws_msk_topic on a provider that predates it
# --------------------------------------------------------------------------------------------------

MSK_TOPIC_RESOURCE = re.compile(
    r'resource "aws_msk_topic" "(?P<name>\w+)" \{\n'
    r"(?P<meta>  for_each = [^\n]+\n)\n(?P<args>(?:  [^\n]*\n)+?)\}\n"
)
MSK_TOPIC_REFERENCE = re.compile(r"aws_msk_topic\.(?P<name>\w+)(?P<index>\[[^\]]+\])?(?:\.(?P<attr>\w+))?")


def msk_topic_stand_in(text: str) -> str:
    """``text`` with every ``aws_msk_topic`` replaced by a ``terraform_data`` holding its arguments.

    ``resource "aws_msk_topic" "x" { for_each = ...; <arguments> }`` becomes ``resource
    "terraform_data" "x" { for_each = ...; input = { <arguments> } }`` (an HCL object constructor
    takes the same ``name = value`` lines), and ``aws_msk_topic.x[k].arg`` in expressions reads
    ``terraform_data.x[k].input.arg``: the rendered arguments are then checked by the same asserts,
    without the provider's schema for the resource.
    """

    def resource(match: re.Match) -> str:
        args = "".join(f"  {line}\n" for line in match.group("args").splitlines())
        return (
            f'resource "terraform_data" "{match.group("name")}" {{\n{match.group("meta")}\n'
            f"  input = {{\n{args}  }}\n}}\n"
        )

    def reference(match: re.Match) -> str:
        out = f"terraform_data.{match.group('name')}{match.group('index') or ''}"
        return out + (f".input.{match.group('attr')}" if match.group("attr") else "")

    text = MSK_TOPIC_RESOURCE.sub(resource, text)
    return MSK_TOPIC_REFERENCE.sub(reference, text)


def stand_in_tree(destination: Path) -> Path:
    """A copy of terraform/ (and the test fixtures it reads) with aws_msk_topic stood in; its terraform/."""
    import shutil

    root = destination / "repo"
    shutil.copytree(ROOT / "terraform", root / "terraform", ignore=shutil.ignore_patterns(".terraform*"))
    shutil.copytree(ROOT / "tests" / "terraform" / "fixtures", root / "tests" / "terraform" / "fixtures")
    changed = 0
    for path in [*root.glob("terraform/**/*.tf"), *root.glob("terraform/**/*.tftest.hcl")]:
        text = path.read_text()
        if "aws_msk_topic" in text:
            new = msk_topic_stand_in(text)
            left = 'resource "aws_msk_topic"' in new or MSK_TOPIC_REFERENCE.search(new) is not None
            assert not left, f"{path}: an aws_msk_topic block or reference was not stood in"
            path.write_text(new)
            changed += 1
    assert changed, "no aws_msk_topic found to stand in"
    return root / "terraform"
