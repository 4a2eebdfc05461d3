"""SageMaker model artifacts for XGBoost: a ``model.tar.gz`` holding one file, ``xgboost-model``.

That is what SageMaker's built-in XGBoost algorithm writes at the end of a training job
(``MODEL_NAME = "xgboost-model"`` in ``aws/sagemaker-xgboost-container``) and what its serving
container loads from ``/opt/ml/model``. The file is a Booster saved with ``Booster.save_model``;
without an extension XGBoost 3 writes UBJSON, and ``Booster.load_model`` reads UBJSON and JSON alike.

The container also tries ``pickle.load`` on the file first. This module never unpickles: an artifact
holding a pickled Booster is refused (:class:`ModelArtifactError`), because loading a pickle runs
arbitrary code.

xgboost is imported inside the functions, so the local stack can import this module without it.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import xgboost

__all__ = ["MODEL_FILE", "ModelArtifactError", "load_booster", "pack_booster", "read_model_bytes"]

MODEL_FILE = "xgboost-model"
# A tar member is accepted as the model when its name is one of these (tar tools write "./x").
_MEMBER_NAMES = (MODEL_FILE, f"./{MODEL_FILE}")


class ModelArtifactError(ValueError):
    """An artifact that is missing, not a gzip tar, lacks ``xgboost-model`` or does not load.

    A mistake the user can fix (the CLI prints it without a traceback)."""


def pack_booster(booster: xgboost.Booster, path: Path) -> Path:
    """Write ``booster`` as a SageMaker artifact at ``path`` (``model.tar.gz``); return ``path``.

    The archive holds exactly one regular file, ``xgboost-model`` (mode 0644), the booster's UBJSON
    as ``save_raw('ubj')`` returns it. Times are 0 and the gzip header names no file, so the same
    booster always packs to the same bytes.
    """
    raw = bytes(booster.save_raw("ubj"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = tarfile.TarInfo(MODEL_FILE)
    info.size = len(raw)
    info.mode = 0o644
    info.mtime = 0
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.addfile(info, io.BytesIO(raw))
    with open(path, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as compressed:
        compressed.write(tar.getvalue())
    return path


def read_model_bytes(path: Path) -> bytes:
    """The bytes of ``xgboost-model`` in the artifact ``path`` (read in memory, nothing extracted).

    Raises :class:`ModelArtifactError` if ``path`` is missing, is not a (gzip) tar archive, or has no
    regular file named ``xgboost-model`` at its top level.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelArtifactError(f"model artifact {path} does not exist (expected a model.tar.gz)")
    try:
        with tarfile.open(path, "r:*") as archive:
            names = archive.getnames()
            for name in _MEMBER_NAMES:
                if name not in names:
                    continue
                member = archive.getmember(name)
                handle = archive.extractfile(member) if member.isfile() else None
                if handle is not None:
                    return handle.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ModelArtifactError(f"{path} is not a readable model.tar.gz: {exc}") from exc
    raise ModelArtifactError(
        f"{path} has no '{MODEL_FILE}' file at its top level (members: {', '.join(names) or 'none'}); "
        "a SageMaker XGBoost artifact is a tar.gz holding the Booster saved as 'xgboost-model'"
    )


def load_booster(path: Path, nthread: int = 1) -> xgboost.Booster:
    """Load the Booster of the artifact ``path`` with ``Booster.load_model`` (UBJSON or JSON).

    ``nthread`` is set on the loaded booster (the serving container sets 1). Raises
    :class:`ModelArtifactError` when the file is not an XGBoost model (a pickle is refused unread).
    """
    import xgboost

    raw = read_model_bytes(path)
    if raw[:1] == b"\x80":  # pickle protocol 2+ starts with PROTO (0x80)
        raise ModelArtifactError(
            f"{path}: '{MODEL_FILE}' is a pickle; save the Booster with save_model instead "
            "(pickles are not loaded: unpickling runs arbitrary code)"
        )
    booster = xgboost.Booster()
    try:
        booster.load_model(bytearray(raw))
    except xgboost.core.XGBoostError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelArtifactError(f"{path}: '{MODEL_FILE}' is not an XGBoost model: {first}") from exc
    booster.set_param("nthread", str(nthread))
    return booster
