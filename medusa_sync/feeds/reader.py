"""Reading one feed file defensively and in bounded memory: every way a file or a record can be
broken becomes an issue, and a broken record costs that record only.

A file is read twice, a chunk at a time: once for its digest and encoding, once for its records.
A file another program writes between or during the two reads (its inode, size or modification
time differ from when the first began) is reported: its digest would not describe the records
read. A JSON array (every real feed) is decoded one record at a time, so memory holds one chunk and
one record, whatever the file's size. A record the JSON decoder cannot turn into values (a
number of thousands of digits, nesting past the decoder's limit, a record larger than
`MAX_RECORD_CHARS`) is skipped with its own issue and the records after it are read; a break in
the JSON itself (a cut file, a missing comma) ends the file there, keeping the records before
it. Any other document (an object wrapping the list, a single record) is read whole.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from medusa_sync.models import Severity, ValidationIssue

if TYPE_CHECKING:
    from medusa_sync.feeds.distributor import Distributor

CHUNK_BYTES = 1 << 20
# Real records are under 10 kB; a megabyte is a pathological string, not a product.
MAX_RECORD_CHARS = 1 << 20


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
class Feed:
    """One feed file opened for reading. `records()` yields (index in the file, record); once it
    is exhausted, `count` is the number of records found and `complete` says whether the file
    was read to its end (False when empty, unreadable or truncated)."""

    path: Path
    ctx: FileContext
    digest: str  # "" once the file is found changed: it would describe other bytes than those read
    encoding: str | None  # None: the file could not be read
    state: FileState | None = None  # as the first read began
    count: int = 0
    complete: bool = False

    def records(self) -> Iterator[tuple[int, object]]:
        if self.encoding is None:
            return
        states: list[FileState] = []
        chunks = _text_chunks(self.path, self.encoding, states)
        try:
            yield from self._records(_Buffer(chunks))
        finally:
            chunks.close()  # the file's state at the end of this read, also after a break
        if any(state != self.state for state in states):
            self._changed()

    def _records(self, text: _Buffer) -> Iterator[tuple[int, object]]:
        first = text.next_char()
        if first is None:
            self.ctx.issue("empty_file", "the file is empty", "file skipped")
        elif first == "[":
            yield from self._array(text)
        else:
            yield from self._document(text.rest())

    def _array(self, text: _Buffer) -> Iterator[tuple[int, object]]:
        text.pos += 1  # "["
        if text.next_char() == "]":
            text.pos += 1
        else:
            while True:
                if text.next_char() is None:
                    self._broken(f"the file ends where record {self.count} should begin")
                    return
                try:
                    record = self._record(text)
                except _Break as exc:
                    self._broken(str(exc))
                    return
                if record is not _SKIPPED:
                    yield self.count, record
                self.count += 1
                after = text.next_char()
                if after == "]":
                    text.pos += 1
                    break
                if after != ",":
                    self._broken(text.unexpected(after, "',' or ']' after a record"))
                    return
                text.pos += 1
        after = text.next_char()
        if after is not None:
            self._broken(text.unexpected(after, "the end of the file after the array"))
            return
        self.complete = True

    def _record(self, text: _Buffer) -> object:
        """The record at text.pos, consumed; _SKIPPED after reporting one that cannot be read."""
        decoder = _DECODER
        while True:
            start = text.pos
            try:
                record, end = decoder.raw_decode(text.text, start)
            except json.JSONDecodeError as exc:
                if _Span().end(text.text, start) is None:  # the record goes on in the next chunk
                    problem = None
                elif exc.msg.startswith("Invalid control character") and decoder is _DECODER:
                    decoder = _LENIENT_DECODER
                    continue
                elif exc.msg.startswith("Invalid \\"):  # "Invalid \escape", "Invalid \uXXXX escape"
                    problem = f"a string holds an invalid escape ({text.where(exc.msg, exc.pos)})"
                else:  # the whole record is here and its structure is broken
                    raise _Break(text.where(exc.msg, exc.pos)) from None
            except ValueError:  # int(): a number past 4300 digits
                problem = "a number too long to read (more than 4300 digits)"
            except RecursionError:
                problem = "arrays or objects nested too deeply to read"
            else:
                if end - start > MAX_RECORD_CHARS:
                    text.pos = end
                    self.ctx.issue(
                        "unreadable_record", f"the record is longer than {MAX_RECORD_CHARS:_} characters", "record skipped", record=self.count
                    )
                    return _SKIPPED
                if end < len(text.text) or not text.more():  # a number may go on in the next chunk
                    text.pos = end
                    if decoder is _LENIENT_DECODER:
                        self.ctx.issue(
                            "control_character",
                            "a string holds a raw control character (JSON requires it escaped)",
                            "read as it is",
                            record=self.count,
                            severity="warning",
                        )
                    if _ESCAPED_SURROGATE.search(text.text, start, end):
                        record = self._scrubbed(record)
                    return record
                continue
            if problem is None and len(text.text) - start > MAX_RECORD_CHARS:
                problem = f"the record is longer than {MAX_RECORD_CHARS:_} characters"
            if problem is None:
                if not text.more():
                    raise _Break(f"the file ends inside record {self.count}")
                continue
            if not text.skip_value():
                raise _Break(f"the file ends inside record {self.count}")
            self.ctx.issue("unreadable_record", problem, "record skipped", record=self.count)
            return _SKIPPED

    def _scrubbed(self, record: object) -> object:
        scrubbed = _scrub(record)
        if scrubbed != record:
            self.ctx.issue(
                "invalid_unicode",
                "the JSON escapes a lone surrogate (\\ud800-\\udfff), which is not a character",
                "replaced it with U+FFFD",
                record=self.count,
                severity="warning",
            )
        return scrubbed

    def _changed(self) -> None:
        self.ctx.issue(
            "file_changed",
            "the file changed while it was read (another program wrote it meanwhile)",
            f"kept the {self.count} records read; the file counts as incomplete: run again once it is written",
        )
        self.complete = False
        self.digest = ""

    def _broken(self, detail: str) -> None:
        if self.count:
            self.ctx.issue(
                "truncated_json",
                f"invalid JSON ({detail}); {self.count} complete records precede the break",
                f"kept the {self.count} complete records; the file counts as incomplete",
            )
        else:
            self.ctx.issue("invalid_json", f"invalid JSON: {detail}", "file skipped")

    def _document(self, text: str) -> Iterator[tuple[int, object]]:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            self.ctx.issue("invalid_json", f"invalid JSON: {exc}", "file skipped")
            return
        except ValueError:
            self.ctx.issue("invalid_json", "invalid JSON: a number too long to read (more than 4300 digits)", "file skipped")
            return
        except RecursionError:
            self.ctx.issue("invalid_json", "invalid JSON: arrays or objects nested too deeply to read", "file skipped")
            return
        if _ESCAPED_SURROGATE.search(text):
            scrubbed = _scrub(document)
            if scrubbed != document:
                self.ctx.issue(
                    "invalid_unicode",
                    "the JSON escapes a lone surrogate (\\ud800-\\udfff), which is not a character",
                    "replaced it with U+FFFD",
                    severity="warning",
                )
                document = scrubbed
        records = _records_of(document, self.ctx)
        self.count = len(records)
        self.complete = True
        yield from enumerate(records)


def open_feed(path: Path, ctx: FileContext) -> Feed:
    """The file's digest and encoding (a first pass); its records are read by `Feed.records`."""
    states: list[FileState] = []
    try:
        digest, first_bad = _digest_and_first_bad_byte(path, states)
        encoding = "utf-8-sig" if first_bad is None else _fallback_encoding(path, first_bad, ctx)
    except OSError as exc:
        ctx.issue("unreadable_file", f"cannot read the file: {exc.strerror or exc}", "file skipped")
        return Feed(path, ctx, digest="", encoding=None)
    return Feed(path, ctx, digest=digest, encoding=encoding, state=states[0])


FileState = tuple[int, int, int, int]
"""What changes when a file is written or replaced: device, inode, size, modification time (ns)."""


def _state(file: BinaryIO) -> FileState:
    stat = os.fstat(file.fileno())
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def _chunks(path: Path, states: list[FileState] | None = None) -> Iterator[bytes]:
    """The file's bytes; `states` gets the file's state as the read begins and as it ends."""
    with path.open("rb") as file:
        if states is not None:
            states.append(_state(file))
        try:
            while chunk := file.read(CHUNK_BYTES):
                yield chunk
        finally:
            if states is not None:
                states.append(_state(file))


def _digest_and_first_bad_byte(path: Path, states: list[FileState]) -> tuple[str, int | None]:
    sha = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    first_bad = None
    offset = 0
    for chunk in _chunks(path, states):
        sha.update(chunk)
        if first_bad is None:
            first_bad = _first_bad_byte(utf8, chunk, offset, final=False)
        offset += len(chunk)
    if first_bad is None:
        first_bad = _first_bad_byte(utf8, b"", offset, final=True)
    return sha.hexdigest(), first_bad


def _first_bad_byte(decoder: codecs.IncrementalDecoder, chunk: bytes, offset: int, *, final: bool) -> int | None:
    pending = len(decoder.getstate()[0])  # bytes of a character cut by the previous chunk
    try:
        decoder.decode(chunk, final=final)
    except UnicodeDecodeError as exc:
        return offset - pending + exc.start
    return None


_UTF8_TEXT = re.compile("[^\x00-\x7f\ufffd]")


def _fallback_encoding(path: Path, first_bad: int, ctx: FileContext) -> str:
    """A file with no valid multi-byte UTF-8 at all is taken as Windows-1252 (Latin-1), the usual
    other encoding of Brazilian exports, so "Disponível" survives; else UTF-8 with U+FFFD."""
    lossy = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    has_utf8_text = False
    cp1252 = True
    for chunk in _chunks(path):
        has_utf8_text = has_utf8_text or _UTF8_TEXT.search(lossy.decode(chunk)) is not None
        if cp1252:
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError:
                cp1252 = False
    if not has_utf8_text and cp1252:
        ctx.issue(
            "not_utf8",
            f"bytes that are not UTF-8 from offset {first_bad}; the file reads as Windows-1252",
            "decoded as Windows-1252 (Latin-1)",
            severity="warning",
        )
        return "cp1252"
    ctx.issue(
        "not_utf8",
        f"bytes that are not UTF-8 from offset {first_bad}",
        "decoded with U+FFFD in place of the bad bytes; affected text is kept as is",
        severity="warning",
    )
    return "utf-8-replace"


def _text_chunks(path: Path, encoding: str, states: list[FileState]) -> Iterator[str]:
    if encoding == "utf-8-replace":
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    else:
        decoder = codecs.getincrementaldecoder(encoding)()
    with contextlib.closing(_chunks(path, states)) as chunks:
        for chunk in chunks:
            if text := decoder.decode(chunk):
                yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


class _Break(Exception):
    """The JSON array is broken here: no record after this point can be trusted."""


_SKIPPED = object()
_DECODER = json.JSONDecoder()  # NaN and Infinity are read as floats: a price or quantity check refuses them
_LENIENT_DECODER = json.JSONDecoder(strict=False)  # raw control characters in strings
_JSON_SPACE = re.compile(r"[ \t\r\n]*")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class _Buffer:
    """The decoded text of a file, a chunk at a time: `text[pos:]` is what is not consumed yet."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self.text = ""
        self.pos = 0
        self.dropped = 0  # characters before text[0]

    def more(self) -> bool:
        """Append the next chunk, dropping what was consumed; False at the end of the file."""
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        self.dropped += self.pos
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True

    def next_char(self) -> str | None:
        """The next character after JSON white space (not consumed); None at the end of the file."""
        while True:
            self.pos = _JSON_SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return None

    def skip_value(self) -> bool:
        """Consume the JSON value at pos without decoding it; False when the file ends first."""
        span = _Span()
        while (end := span.end(self.text, self.pos)) is None:
            self.pos = len(self.text)  # scanned: not kept
            if not self.more():
                return False
        self.pos = end
        return True

    def rest(self) -> str:
        return self.text[self.pos :] + "".join(self._chunks)

    def where(self, message: str, pos: int) -> str:
        return f"{message} at character {self.dropped + pos}"

    def unexpected(self, char: str | None, expected: str) -> str:
        if char is None:
            return f"the file ends where {expected} should follow"
        return self.where(f"{char!r} where {expected} should follow", self.pos)


_STRING_BODY = re.compile(r'[^"\\]*')
_OUTSIDE_STRINGS = re.compile(r'[^"\[\]{},]*')


class _Span:
    """Where one JSON value ends, found from its strings and brackets alone (not its numbers),
    resumable across chunks."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def end(self, text: str, pos: int) -> int | None:
        """The index just past the value, or None when `text` ends first (state is kept)."""
        while pos < len(text):
            if self.escaped:
                self.escaped = False
                pos += 1
            elif self.in_string:
                pos = _STRING_BODY.match(text, pos).end()  # type: ignore[union-attr]
                if pos == len(text):
                    return None
                if text[pos] == "\\":
                    self.escaped = True
                else:
                    self.in_string = False
                    if self.depth == 0:
                        return pos + 1
                pos += 1
            else:
                pos = _OUTSIDE_STRINGS.match(text, pos).end()  # type: ignore[union-attr]
                if pos == len(text):
                    return None
                char = text[pos]
                if char == '"':
                    self.in_string = True
                elif char in "[{":
                    self.depth += 1
                elif self.depth == 0:  # "," or the array's "]" after a bare value
                    return pos
                elif char in "]}":
                    self.depth -= 1
                    if self.depth == 0:
                        return pos + 1
                pos += 1
        return None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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
