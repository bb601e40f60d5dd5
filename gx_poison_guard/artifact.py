"""Integrity-checked, code-free storage of numeric artifacts.

File layout (two lines of UTF-8 JSON, i.e. a JSON Lines file)::

    {"format": "gx-poison-guard-baseline", "format_version": 1, "sha256": "<hex>"}
    {"manifest": {...}, "arrays": {"name": {"dtype": "<f8", "shape": [..], "data": "<base64>"}}}

``sha256`` is the SHA-256 of the raw bytes of the second line, so any changed
byte in the payload or the header is detected before anything is parsed.
Arrays are raw little-endian buffers of a short list of numeric dtypes;
nothing in the file can make the loader run code (no pickle, no joblib,
no ``allow_pickle``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import BaselineIntegrityError

FORMAT = "gx-poison-guard-baseline"
FORMAT_VERSION = 1
_ALLOWED_DTYPES = {"<f8", "<i4", "<i8"}
_FIX_REBUILD = "Restore it from version control or rebuild it with fit_baseline(...).save(path)"


def write_artifact(path: str | Path, manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    """Write ``manifest`` and ``arrays`` to ``path``; return the payload SHA-256."""
    payload = json.dumps(
        {"manifest": manifest, "arrays": {k: _encode(v) for k, v in sorted(arrays.items())}},
        separators=(",", ":"),
        sort_keys=True,
        allow_nan=False,
    ).encode("utf-8")
    digest = hashlib.sha256(payload).hexdigest()
    header = json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "sha256": digest})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(header.encode("utf-8") + b"\n" + payload + b"\n")
    tmp.replace(path)
    return digest


def read_artifact(
    path: str | Path, expected_sha256: str | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray], str]:
    """Read and verify an artifact; return ``(manifest, arrays, sha256)``.

    Raises
    ------
    BaselineIntegrityError
        If the file is missing or unreadable, its payload does not hash to the
        SHA-256 in its header, or that hash differs from ``expected_sha256``.
    """
    payload, digest = _verified_payload(path, expected_sha256)
    try:
        body = json.loads(payload)
        arrays = {name: _decode(path, name, spec) for name, spec in body["arrays"].items()}
        return body["manifest"], arrays, digest
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BaselineIntegrityError(path, "has a damaged payload", _FIX_REBUILD) from None


def verify_artifact(path: str | Path, expected_sha256: str | None = None) -> str:
    """Check the file's integrity (and pinned hash) without parsing it; return its SHA-256."""
    return _verified_payload(path, expected_sha256)[1]


def _verified_payload(path: str | Path, expected_sha256: str | None) -> tuple[bytes, str]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BaselineIntegrityError(path, f"cannot be read ({exc.strerror or exc})", _FIX_REBUILD) from None
    header_bytes, sep, rest = raw.partition(b"\n")
    header = _parse_header(path, header_bytes, sep)
    payload = rest[:-1]
    digest = hashlib.sha256(payload).hexdigest()
    if digest != header["sha256"] or not rest.endswith(b"\n") or b"\n" in payload:
        raise BaselineIntegrityError(
            path, f"failed its integrity check: content hashes to {digest[:12]}…, header says "
            f"{str(header['sha256'])[:12]}… (the file was modified or truncated)", _FIX_REBUILD,
        )
    if expected_sha256 is not None and digest != expected_sha256:
        raise BaselineIntegrityError(
            path, f"is not the baseline this suite was built for: SHA-256 {digest[:12]}…, the suite "
            f"pins {expected_sha256[:12]}…", "Rebuild the suite from this baseline, or restore the pinned file",
        )
    return payload, digest


def _parse_header(path: str | Path, header_bytes: bytes, sep: bytes) -> dict[str, Any]:
    try:
        header = json.loads(header_bytes) if sep else None
    except (ValueError, UnicodeDecodeError):
        header = None
    if (
        not isinstance(header, dict)
        or header.get("format") != FORMAT
        or not isinstance(header.get("sha256"), str)
    ):
        raise BaselineIntegrityError(
            path, f"is not a {FORMAT} file (its header line is missing or damaged)", _FIX_REBUILD
        )
    if header.get("format_version") != FORMAT_VERSION:
        raise BaselineIntegrityError(
            path, f"has format_version {header.get('format_version')!r}, this package reads "
            f"{FORMAT_VERSION}", "Install the gx-poison-guard version that wrote it, or rebuild it",
        )
    return header


def _encode(array: np.ndarray) -> dict[str, Any]:
    array = np.ascontiguousarray(array)
    dtype = array.dtype.newbyteorder("<").str
    if dtype not in _ALLOWED_DTYPES:
        raise TypeError(f"artifact arrays must be float64, int32 or int64: got {array.dtype}.")
    data = base64.b64encode(array.astype(dtype, copy=False).tobytes()).decode("ascii")
    return {"dtype": dtype, "shape": list(array.shape), "data": data}


def _decode(path: str | Path, name: str, spec: dict[str, Any]) -> np.ndarray:
    dtype, shape = spec.get("dtype"), spec.get("shape")
    if dtype not in _ALLOWED_DTYPES or not isinstance(shape, list):
        raise BaselineIntegrityError(path, f"has an invalid array {name!r}", _FIX_REBUILD)
    buffer = base64.b64decode(spec["data"], validate=True)
    array = np.frombuffer(buffer, dtype=np.dtype(dtype))
    if array.size != int(np.prod(shape, dtype=np.int64)):
        raise BaselineIntegrityError(path, f"has array {name!r} of the wrong size", _FIX_REBUILD)
    return array.reshape(shape)
