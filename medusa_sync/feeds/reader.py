"""Reading one feed file defensively: every way a file can be broken becomes an issue."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from medusa_sync.models import Distributor, Severity, ValidationIssue


@dataclass
class FileContext:
    """One feed file being parsed: where issues about it are collected."""

    path: str  # relative to the feed root, POSIX
    distributor: Distributor
    issues: list[ValidationIssue] = field(default_factory=list)

    def issue(
        self,
        code: str,
        reason: str,
        action: str,
        *,
        record: int | None = None,
        sku: str | None = None,
        severity: Severity = "error",
    ) -> None:
        self.issues.append(
            ValidationIssue(
                file=self.path, record=record, sku=sku, severity=severity, code=code, reason=reason, action=action
            )
        )


@dataclass
class RawFeed:
    records: list[object]
    complete: bool  # False when the file was empty, unreadable or truncated
    digest: str


def read_feed(path: Path, ctx: FileContext) -> RawFeed:
    try:
        data = path.read_bytes()
    except OSError as exc:
        ctx.issue("unreadable_file", f"cannot read the file: {exc.strerror or exc}", "file skipped")
        return RawFeed([], complete=False, digest="")
    digest = hashlib.sha256(data).hexdigest()
    text = _decode(data, ctx)
    if not text.strip():
        ctx.issue("empty_file", "the file is empty", "file skipped")
        return RawFeed([], complete=False, digest=digest)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        document = _lenient_parse(text, ctx)
        if document is not None:
            return RawFeed(_records_of(document, ctx), complete=True, digest=digest)
        records = _salvage_array(text)
        if records:
            ctx.issue(
                "truncated_json",
                f"invalid JSON ({exc}); {len(records)} complete records precede the break",
                f"kept the {len(records)} complete records; the file counts as incomplete",
            )
        else:
            ctx.issue("invalid_json", f"invalid JSON: {exc}", "file skipped")
        return RawFeed(records, complete=False, digest=digest)
    return RawFeed(_records_of(document, ctx), complete=True, digest=digest)


def _decode(data: bytes, ctx: FileContext) -> str:
    """UTF-8; a file with no valid multi-byte UTF-8 at all is taken as Windows-1252 (Latin-1),
    the usual other encoding of Brazilian exports, so "Disponível" survives."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    lossy = data.decode("utf-8-sig", errors="replace")
    has_utf8_text = any(ord(char) > 127 and char != "\ufffd" for char in lossy)
    if not has_utf8_text:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            ctx.issue(
                "not_utf8",
                f"bytes that are not UTF-8 from offset {first_bad}; the file reads as Windows-1252",
                "decoded as Windows-1252 (Latin-1)",
                severity="warning",
            )
            return text
    ctx.issue(
        "not_utf8",
        f"bytes that are not UTF-8 from offset {first_bad}",
        "decoded with U+FFFD in place of the bad bytes; affected text is kept as is",
        severity="warning",
    )
    return lossy


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _lenient_parse(text: str, ctx: FileContext) -> object | None:
    """Valid JSON that orjson refuses (escaped lone surrogates such as "\\ud800"), with those
    replaced by U+FFFD; None when the text is not valid JSON at all."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    ctx.issue(
        "invalid_unicode",
        "the JSON escapes a lone surrogate (\\ud800-\\udfff), which is not a character",
        "replaced it with U+FFFD",
        severity="warning",
    )
    return _scrub(document)


def _scrub(value: object) -> object:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {_scrub(key): _scrub(item) for key, item in value.items()}
    return value


def _records_of(document: object, ctx: FileContext) -> list[object]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [(key, value) for key, value in document.items() if isinstance(value, list)]
        if len(lists) == 1:
            key, records = lists[0]
            ctx.issue(
                "not_a_list",
                f"the file holds an object, not a list; its only list is under {key!r}",
                f"read the {len(records)} records under {key!r}",
                severity="warning",
            )
            return records
        if {"id", "name"} <= document.keys():
            ctx.issue("not_a_list", "the file holds a single object, not a list", "read it as one record", severity="warning")
            return [document]
    ctx.issue("not_a_list", f"the file holds a JSON {type(document).__name__}, not a list of records", "file skipped")
    return []


def _salvage_array(text: str) -> list[object]:
    """The complete records at the start of a truncated or broken JSON array."""
    decoder = json.JSONDecoder()
    position = text.find("[")
    if position < 0 or text[:position].strip():
        return []
    records: list[object] = []
    position += 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            record, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):  # JSONDecodeError, an int too long to convert, too deep
            return records
        records.append(record)
