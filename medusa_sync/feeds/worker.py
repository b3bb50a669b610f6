"""The worker process of `feeds.parsing`: parses the feed files it is sent, one at a time.

Once its imports are done, it writes an empty line. Its input is a line `{"feed_root", "rules"}`,
then a line `{"distributor", "path", "result"}` per file: it writes the file's `ParsedFile` as
JSON to `result`, then an empty line. It ends at the end of its input, or when that process
kills it; Ctrl-C is left to that process.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import orjson

from medusa_sync.config import Rules
from medusa_sync.feeds.parsing import PARSED_FILE, parse_file
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.gcpause import gc_paused


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, done = sys.stdin.buffer, sys.stdout.buffer
    done.write(b"\n")  # ready
    done.flush()
    header = orjson.loads(requests.readline())
    feed_root, rules = Path(header["feed_root"]), Rules.model_validate(header["rules"])
    for line in requests:
        request = orjson.loads(line)
        with gc_paused():
            parsed = parse_file(feed_root, DISTRIBUTORS[request["distributor"]], Path(request["path"]), rules)
        Path(request["result"]).write_bytes(PARSED_FILE.dump_json(parsed))
        done.write(b"\n")
        done.flush()
