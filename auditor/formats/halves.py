"""Two processes sharing a list of jobs: this one takes them from the start, a forked one
from the end, until they meet."""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_TOKEN = b"."
_ENDS = struct.Struct("qq?")
"""The next job from the start, the end of the jobs not yet taken, and whether to stop."""
_LENGTH = struct.Struct("Q")
_WAIT = 1.0
"""Seconds between looks at whether the other process is still there, while waiting."""
_ENDING_SECONDS = 0.1
"""How long a thread that was joined may take to leave the kernel's list of threads."""
STOP_SECONDS = 30.0
"""How long a stopped worker may take to finish the job it is on (a file, its ``fsync``)
before it is killed; the next run into the folder removes what it left."""


class LostError(Exception):
    """The worker ended without a word: killed (the OOM killer, SIGKILL) or crashed."""


def can_fork() -> bool:
    """Whether a worker may be forked now: on POSIX, by a process of one thread.

    A thread holding a lock (logging's, the import system's, an allocator's) when the
    process forks leaves that lock held forever in the child, which then hangs on it.
    """
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    # Linux: threads that Python did not start count too. A thread just joined may
    # still be ending in the kernel for a few microseconds: it is given that time.
    deadline = time.monotonic() + _ENDING_SECONDS
    while True:
        try:
            alone = sum(1 for _ in Path("/proc/self/task").iterdir()) == 1
        except OSError:
            return True  # no /proc: Python's own count is all there is
        if alone or time.monotonic() > deadline:
            return alone
        time.sleep(0.001)


class Ends:
    """The indices ``0..count-1``, handed out from both ends under a lock both processes share.

    The lock is a token in a pipe: whoever reads it holds the lock, and writes it back.
    Neither process holds it for more than a few instructions, and each one, waiting,
    looks every ``_WAIT`` seconds whether the other is still there.
    """

    def __init__(self, count: int) -> None:
        self._shared = mmap.mmap(-1, _ENDS.size)  # anonymous and shared: seen by the fork
        _ENDS.pack_into(self._shared, 0, 0, count, False)
        self._token, self._give = os.pipe()
        os.write(self._give, _TOKEN)

    def close(self) -> None:
        os.close(self._token)
        os.close(self._give)
        self._shared.close()

    def stop(self) -> None:
        """No more jobs for either process (set without the lock: it is never unset)."""
        self._shared[_ENDS.size - 1] = 1

    def stopped(self) -> bool:
        """Whether ``stop`` was called, by either process."""
        return bool(self._shared[_ENDS.size - 1])

    def taken(self) -> tuple[int, int]:
        """The jobs taken from the start, and the first of those taken from the end."""
        front, back, _ = _ENDS.unpack_from(self._shared, 0)
        return front, back

    def take(self, *, from_end: bool, gone: Callable[[], bool]) -> int | None:
        """The next job, or ``None`` when they are all taken, stopped, or the other is gone."""
        while not select.select([self._token], [], [], _WAIT)[0]:
            if gone() or self.stopped():  # a token lost with its holder: nobody waits on
                return None
        if gone() and not select.select([self._token], [], [], 0)[0]:
            return None
        os.read(self._token, 1)
        try:
            front: int
            back: int
            front, back, stopped = _ENDS.unpack_from(self._shared, 0)
            if stopped or front >= back:
                return None
            if from_end:
                _ENDS.pack_into(self._shared, 0, front, back - 1, False)
                return back - 1
            _ENDS.pack_into(self._shared, 0, front + 1, back, False)
            return front
        finally:
            os.write(self._give, _TOKEN)


class Worker:
    """A forked process running ``task``, which sends this one messages (pickled values)."""

    def __init__(self, pid: int, messages: int, ends: Ends) -> None:
        self.pid = pid
        self.ends = ends
        self._messages = messages
        self._status: int | None = None

    @classmethod
    @contextlib.contextmanager
    def fork(cls, ends: Ends, task: Task, leftover: Callable[[Any], None]) -> Iterator[Worker]:
        """Fork a worker that runs ``task(send, parent_gone)`` then exits.

        An exception of ``task`` stops ``ends`` and is sent as the message
        ``("error", exception)``. On leaving, the worker is stopped and waited for, and
        each message it sent that was not received is handed to ``leftover``.
        """
        sys.stdout.flush()  # nothing the parent had buffered is written twice
        sys.stderr.flush()
        receive, send = os.pipe()
        parent = os.getpid()
        # Blocked over the fork: a Ctrl-C or SIGTERM is raised once each side can clean up.
        masked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code, whatever happens
            code = 1
            try:
                os.close(receive)
                signal.pthread_sigmask(signal.SIG_SETMASK, masked)
                _run(task, send, ends, parent)
                code = 0
            finally:
                os._exit(code)
        try:
            os.close(send)
            signal.pthread_sigmask(signal.SIG_SETMASK, masked)
            worker = cls(pid, receive, ends)
            try:
                yield worker
            finally:
                worker._end(leftover)
        finally:
            with contextlib.suppress(OSError):
                os.close(receive)

    def gone(self) -> bool:
        """Whether the worker has ended, or will take no more jobs (it has said so, or died)."""
        return bool(select.select([self._messages], [], [], 0)[0])

    def receive(self) -> Any:
        """The worker's next message; ``LostError`` if it ended without sending one."""
        header = self._read(_LENGTH.size)
        return pickle.loads(self._read(_LENGTH.unpack(header)[0]))  # noqa: S301 - our own fork's

    def _read(self, size: int) -> bytes:
        pieces = []
        while size:
            piece = os.read(self._messages, min(size, 1 << 20))
            if not piece:
                raise LostError(self.ended())
            pieces.append(piece)
            size -= len(piece)
        return b"".join(pieces)

    def ended(self) -> str:
        """How the worker ended, once it has: ``signal 9``, ``exit 1``."""
        status = self._wait(block=True)
        if os.WIFSIGNALED(status):
            return f"signal {os.WTERMSIG(status)}"
        return f"exit {os.waitstatus_to_exitcode(status)}"

    def _wait(self, *, block: bool) -> int:
        if self._status is None:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
            if pid:
                self._status = status
        return self._status if self._status is not None else -1

    def _end(self, leftover: Callable[[Any], None]) -> None:
        """Stop the worker, hand what it still sends to ``leftover``, and wait for it;
        kill it if it does not end in time."""
        self.ends.stop()
        deadline = time.monotonic() + STOP_SECONDS
        with contextlib.suppress(LostError):
            while select.select([self._messages], [], [], max(0.0, deadline - time.monotonic()))[0]:
                leftover(self.receive())
        if self._wait(block=False) == -1:
            logger.warning("the worker writing reports did not stop in time: killed")
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._wait(block=True)


Task = Callable[[Callable[[Any], None], Callable[[], bool]], None]
"""What the worker does, given a function that sends the parent a message, and one that
says whether the parent is gone."""


def _run(task: Task, send: int, ends: Ends, parent: int) -> None:
    """The worker's life: ``task``, its failure sent as a message, the pipe closed."""

    def say(message: Any) -> None:
        body = pickle.dumps(message)
        view = memoryview(_LENGTH.pack(len(body)) + body)
        while view:
            view = view[os.write(send, view) :]

    try:
        task(say, lambda: os.getppid() != parent)
    except BaseException as exc:  # handed to the parent, which raises it
        ends.stop()
        try:
            say(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled: its kind
            say(("error", RuntimeError(type(exc).__name__)))
        raise
    finally:
        os.close(send)
