"""JSON encoding for request and response bodies: orjson when installed, else the stdlib."""

from __future__ import annotations

from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a project dependency
    orjson = None  # type: ignore[assignment]
    import json


def encode_json(value: Any) -> bytes:
    if orjson is not None:
        return orjson.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def decode_json(content: bytes) -> Any:
    """Parse JSON; raises ValueError (orjson.JSONDecodeError is one) on anything else."""
    if orjson is not None:
        return orjson.loads(content)
    return json.loads(content)
