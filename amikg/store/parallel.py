"""Several read-only queries over one state of an on-disk store, on every core at once.

A query's evaluation holds the calling process's GIL while its rows are read, so queries run in
threads of one process take turns; whole-store reads (the search index's rebuild: a coded
query and the names, 100k rows each at 100k organisations) are bound by the engine's work of
turning stored terms back into strings. This module runs them in *processes*: the calling
process and ``workers - 1`` children (``python -c ...``, as the query executor starts its
workers), each with a read-only view of one checkpoint of the store (``Store.backup``: hard
links, cheap; a read-only view of a folder another process writes is undefined in RocksDB, a
checkpoint is not).
Each query's solutions are reduced where they run by the caller's ``reduce`` (a module-level
function, sent by reference), and only what it returns crosses the process boundary, pickled.

Queries are handed out one at a time to whichever process is free, in the order given (put the
costly ones first): this process takes the first at once, and a child takes its first once it has
started and opened its view (a third of a second; taking one before would leave the costliest
query waiting for the child's start while this process read the cheap ones). A child that fails
or dies leaves its query to the calling process, which runs whatever is left itself, so the
answer never depends on the children: it is always
``[reduce(view.query(q)) for q in queries]`` over the checkpoint.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from collections import deque
from pathlib import Path
from typing import Callable

log = logging.getLogger("amikg.store")
_HEAD = struct.Struct("!Q")


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEAD.pack(len(data)) + data)
    stream.flush()


def _recv(stream):
    head = stream.read(_HEAD.size)
    if len(head) < _HEAD.size:
        raise EOFError("the reader process ended")
    size = _HEAD.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the reader process ended")
    return pickle.loads(data)


def child_main() -> None:
    """A child's loop: ``(opener, path, reduce)`` once, "ready" once its view is open, then one
    query at a time."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the protocol
    inp = os.fdopen(0, "rb")
    opener, path, reduce = _recv(inp)
    view = opener(path)
    _send(out, ("ready", None))
    while True:
        try:
            text = _recv(inp)
        except (EOFError, OSError):
            return
        try:
            _send(out, ("ok", reduce(view.query(text))))
        except Exception as e:  # noqa: BLE001 - the caller runs the query again itself
            _send(out, ("error", f"{type(e).__name__}: {e}"))


class _Child:
    def __init__(self, opener, path: str, reduce):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from amikg.store.parallel import child_main; child_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        _send(self.proc.stdin, (opener, path, reduce))

    def ready(self) -> None:
        """Wait until the child has opened its view (it takes no query before)."""
        if _recv(self.proc.stdout)[0] != "ready":
            raise RuntimeError("the reader process did not start")

    def ask(self, text: str):
        _send(self.proc.stdin, text)
        answer = _recv(self.proc.stdout)
        if answer[0] != "ok":
            raise RuntimeError(answer[1])
        return answer[1]

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(5)
        except Exception:  # noqa: BLE001 - a stuck child is killed
            self.proc.kill()
            self.proc.wait(5)


def map_over_views(path: str, opener: Callable, queries: list[str], reduce: Callable,
                   workers: int) -> list:
    """``[reduce(opener(path).query(q)) for q in queries]``, the queries shared out between this
    process and ``workers - 1`` children that open ``path`` with ``opener`` themselves."""
    view = opener(path)
    todo = deque(enumerate(queries))
    results: dict[int, object] = {}
    lock = threading.Lock()

    def take():
        with lock:
            return todo.popleft() if todo else None

    def feed(child: _Child) -> None:
        try:
            child.ready()
        except Exception as e:  # noqa: BLE001 - this process runs its share instead
            log.warning("a reader process failed (%s); reading in this process", e)
            return
        while (task := take()) is not None:
            try:
                results[task[0]] = child.ask(task[1])
            except Exception as e:  # noqa: BLE001 - this process runs it instead
                log.warning("a reader process failed (%s); reading in this process", e)
                with lock:
                    todo.appendleft(task)
                return

    children, threads = [], []
    try:
        for _ in range(max(0, min(workers, len(queries)) - 1)):
            try:
                children.append(_Child(opener, path, reduce))
            except OSError as e:
                log.warning("cannot start a reader process (%s)", e)
                break
        threads = [threading.Thread(target=feed, args=(c,), name="amikg-reader", daemon=True)
                   for c in children]
        for t in threads:
            t.start()
        while (task := take()) is not None:
            results[task[0]] = reduce(view.query(task[1]))
        for t in threads:
            t.join()
        for i, text in enumerate(queries):  # what a failing child left
            if i not in results:
                results[i] = reduce(view.query(text))
        return [results[i] for i in range(len(queries))]
    finally:
        for c in children:
            c.close()
        view.close()


def map_on_checkpoint(store, opener: Callable, queries: list[str], reduce: Callable,
                      workers: int) -> list:
    """:func:`map_over_views` over a checkpoint of ``store`` made now beside its folder (on the
    same file system, so that it is hard links), removed afterwards."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".amikg-reads-", dir=store.directory.parent))
    except OSError as e:  # a folder we may not write beside: the same reads, one at a time
        log.warning("cannot make a checkpoint beside %s (%s); reading in this process",
                    store.directory, e.strerror or e)
        return [reduce(store.query(text)) for text in queries]
    try:
        store.backup(tmp / "store")
        return map_over_views(str(tmp / "store"), opener, queries, reduce, workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
