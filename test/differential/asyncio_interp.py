"""The CPython asyncio side of the differential test.

Reads programs (one JSON object per line) on stdin, runs each on asyncio with a
virtual-time event loop, and writes one JSON line per program:
``{"trace": [...], "final": [...], "pre313": [...], "loopErrors": [...]}``.

Usage: ``python3 asyncio_interp.py < programs.jsonl`` (CPython 3.11 or later;
programs with ``shutdown`` need 3.13).
The program format and the trace vocabulary are described in README.md; the
TypeScript interpreter (interp.ts) must produce the same trace for the same
program.
"""

import asyncio
import heapq
import inspect
import itertools
import json
import sys
from asyncio import events

MAX_IDLE_ROUNDS = 50

# Before 3.13, asyncio differs from 3.13, which anyloop follows, in three
# behaviours, and before 3.11.3 in a fourth. On such a Python a run reports by these names which of them it
# reached, and the test leaves that program out; nothing is emulated. Each is
# checked only where the running Python lacks the 3.13 behaviour.
CONDITION_PRE313 = "pre313-condition-notify-on-exception"
SEMAPHORE_PRE313 = "pre313-semaphore-wake-one"
UNCANCEL_PRE313 = "pre313-uncancel-keeps-pending-cancel"
TIMEOUT_PRE313 = "pre313-timeout-converts-only-at-zero"


def _source_has(func, text):
    try:
        return text in inspect.getsource(func)
    except (OSError, TypeError):
        return True


CHECK_CONDITION = not hasattr(asyncio.Condition, "_notify")
CHECK_SEMAPHORE = not _source_has(asyncio.Semaphore.acquire, "while self._value > 0")
CHECK_UNCANCEL = not _source_has(asyncio.tasks._PyTask.uncancel, "_must_cancel")
CHECK_TIMEOUT = not _source_has(asyncio.Timeout.__aexit__, "self._cancelling")

# 3.13's exception; before 3.13 no program has a shutdown, and `except ()` matches nothing.
QueueShutDown = getattr(asyncio, "QueueShutDown", ())


class _VirtualSelector:
    """Stands in for the I/O selector: waiting for a timeout moves the virtual clock."""

    def __init__(self, loop):
        self._loop = loop

    def select(self, timeout):
        if timeout is None:
            self._loop._on_idle()
        elif timeout > 0:
            self._loop._now += timeout
        return []

    def close(self):
        pass


class _FifoTimerHandle(events.TimerHandle):
    """Equal deadlines fire in scheduling order (asyncio's heap promises no order; anyloop is FIFO)."""

    __slots__ = ("_seq",)

    def __lt__(self, other):
        if isinstance(other, _FifoTimerHandle):
            return (self._when, self._seq) < (other._when, other._seq)
        return NotImplemented


class VirtualTimeLoop(asyncio.BaseEventLoop):
    """An asyncio loop whose clock (integer milliseconds) moves only when nothing is ready.

    The loop's unit is the millisecond, so deadlines are exact integers, as in
    anyloop. When nothing is ready and no timer is pending, ``on_idle`` is called;
    it may schedule more work or stop the loop.
    """

    def __init__(self, on_idle):
        super().__init__()
        self._now = 0
        self.turn = 0
        self._seq = itertools.count()
        self._selector = _VirtualSelector(self)
        self._on_idle = on_idle

    def time(self):
        return self._now

    def _run_once(self):
        self.turn += 1
        super()._run_once()

    def call_at(self, when, callback, *args, context=None):
        if when is None:
            raise TypeError("when cannot be None")
        self._check_closed()
        timer = _FifoTimerHandle(when, callback, args, self, context)
        timer._seq = next(self._seq)
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass


def fmt(item):
    """A queue item as compact JSON, as interp.ts formats it."""
    return json.dumps(item, separators=(",", ":"))


def _undone(waiters):
    return any(not w.done() for w in (waiters or ()))


class _CheckedSemaphore:
    """A pre-3.13 Semaphore that notes where 3.13's would differ.

    3.13's acquire() ends by waking waiters while units are left; earlier
    versions wake at most one. The two differ exactly when a unit is left and
    a waiter is still waiting at the moment acquire() finishes (either way).
    """

    async def acquire(self):
        try:
            return await super().acquire()
        finally:
            if self._value > 0 and _undone(self._waiters):
                self._interp.reach(SEMAPHORE_PRE313)


class CheckedSemaphore(_CheckedSemaphore, asyncio.Semaphore):
    pass


class CheckedBoundedSemaphore(_CheckedSemaphore, asyncio.BoundedSemaphore):
    pass


class CheckedCondition(asyncio.Condition):
    """A pre-3.13 Condition that notes where 3.13's wait() would differ (gh-112202).

    3.13 notifies one other waiter whenever wait() raises (so a notification
    given to a waiter that is then cancelled is not lost); earlier versions do
    not. The two differ exactly when wait() raises while another waiter waits.
    """

    async def wait(self):
        try:
            return await super().wait()
        except BaseException:
            if _undone(self._waiters):
                self._interp.reach(CONDITION_PRE313)
            raise


class CheckedTask(asyncio.Task):
    """A pre-3.13 Task that notes where 3.13's uncancel() would differ.

    In 3.13, the uncancel() that brings cancelling() to 0 also drops a cancel
    requested but not delivered yet (one a task made on itself, say); earlier
    versions still deliver it at the next suspension point, or cancel the task
    as its coroutine returns.
    """

    def uncancel(self):
        n = super().uncancel()
        if n == 0 and self._must_cancel:
            self._interp.reach(UNCANCEL_PRE313)
        return n


class CheckedTimeout(asyncio.Timeout):
    """A Timeout before 3.11.3 that notes where 3.13's would differ (gh-102780).

    An expired scope turns the CancelledError into TimeoutError when uncancel()
    brings cancelling() back to its value on entry in 3.13, but only when it
    brings it to 0 before 3.11.3: they differ inside a task with a cancel
    still counted on entry (one it made on itself, say).
    """

    async def __aenter__(self):
        self._on_entry = asyncio.current_task().cancelling()
        return await super().__aenter__()

    async def __aexit__(self, exc_type, exc_val, exc_tb):
        expiring = self.expired()
        try:
            return await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            if expiring and exc_type is asyncio.CancelledError and 0 < self._task.cancelling() <= self._on_entry:
                self._interp.reach(TIMEOUT_PRE313)


class Interpreter:
    """Runs one program on a fresh VirtualTimeLoop and records its trace (the twin of interp.ts)."""

    def __init__(self, program):
        self.program = program
        self.trace = []
        self.loop_errors = []
        self.pre313 = set()
        self.rounds = 0
        self.loop = VirtualTimeLoop(self._on_idle)
        self.loop.set_exception_handler(self._on_loop_error)
        self.objects = {}
        self.kinds = {}
        for spec in program["objects"]:
            self.objects[spec["name"]] = self._make(spec)
            self.kinds[spec["name"]] = spec["kind"]
        self.tasks = []

    def reach(self, name):
        """Notes that this Python differs from 3.13 here: the program is not compared."""
        self.pre313.add(name)

    def _make(self, spec):
        kind = spec["kind"]
        if kind == "Lock":
            return asyncio.Lock()
        if kind == "Event":
            return asyncio.Event()
        if kind in ("Semaphore", "BoundedSemaphore"):
            if CHECK_SEMAPHORE:
                o = (CheckedSemaphore if kind == "Semaphore" else CheckedBoundedSemaphore)(spec["value"])
                o._interp = self
                return o
            return getattr(asyncio, kind)(spec["value"])
        if kind == "Condition":
            lock = self.objects[spec["lock"]] if spec.get("lock") else None
            return self._condition(lock)
        if kind in ("Queue", "LifoQueue", "PriorityQueue"):
            return getattr(asyncio, kind)(spec["maxsize"])
        if kind == "Barrier":
            b = asyncio.Barrier(spec["parties"])
            if CHECK_CONDITION:
                b._cond = self._condition(None)
            return b
        raise ValueError(f"unknown kind {kind}")

    def _task(self, coro):
        if not CHECK_UNCANCEL:
            return self.loop.create_task(coro)
        t = CheckedTask(coro, loop=self.loop)
        t._interp = self
        return t

    def _timeout(self, ms):
        if not CHECK_TIMEOUT:
            return asyncio.timeout(ms)
        t = CheckedTimeout(self.loop.time() + ms)
        t._interp = self
        return t

    def _condition(self, lock):
        if not CHECK_CONDITION:
            return asyncio.Condition(lock)
        c = CheckedCondition(lock)
        c._interp = self
        return c

    def lock_key(self, name):
        """The name of the lock an acquire/release of `name` takes (a Condition may share a Lock)."""
        for spec in self.program["objects"]:
            if spec["name"] == name and spec["kind"] == "Condition" and spec.get("lock"):
                return spec["lock"]
        return name

    def emit(self, i, k, text):
        self.trace.append(f"{self.loop.time()} @{self.loop.turn} T{i}.{k} {text}")

    def _on_loop_error(self, loop, context):
        exc = context.get("exception")
        self.loop_errors.append(f"{context['message']}: {exc!r}")

    def _on_idle(self):
        pending = [i for i, t in enumerate(self.tasks) if not t.done()]
        if not pending or self.rounds >= MAX_IDLE_ROUNDS:
            self.loop.stop()
            return
        self.rounds += 1
        self.trace.append(f"{self.loop.time()} @{self.loop.turn} idle {','.join(f'T{i}' for i in pending)}")
        for i in pending:
            self.tasks[i].cancel()

    def run(self):
        for i in range(len(self.program["tasks"])):
            self.tasks.append(self._task(self.task_main(i)))
        self.loop.run_forever()
        return {
            "trace": self.trace,
            "final": self.final_state(),
            "pre313": sorted(self.pre313),
            "loopErrors": self.loop_errors,
        }

    def final_state(self):
        out = []
        for i, t in enumerate(self.tasks):
            state = "cancelled" if t.cancelled() else "done" if t.done() else "pending"
            out.append(f"T{i} {state}")
        for name, o in self.objects.items():
            if self.kinds[name] in ("Queue", "LifoQueue", "PriorityQueue"):
                items = []
                while not o.empty():
                    items.append(o.get_nowait())
                out.append(f"{name} items={fmt(items)}")
            else:
                out.append(f"{name} {self.state(name)}")
        return out

    def state(self, name):
        """What a `probe` of `name` shows: its public state."""
        o = self.objects[name]
        kind = self.kinds[name]
        if kind in ("Lock", "Semaphore", "BoundedSemaphore", "Condition"):
            return f"locked={str(o.locked()).lower()}"
        if kind == "Event":
            return f"set={str(o.is_set()).lower()}"
        if kind == "Barrier":
            return f"waiting={o.n_waiting} broken={str(o.broken).lower()}"
        return f"qsize={o.qsize()} full={str(o.full()).lower()}"

    async def task_main(self, i):
        spec = self.program["tasks"][i]
        ops = spec["ops"]
        held = {}
        try:
            for k, op in enumerate(ops):
                try:
                    await self.run_op(i, k, op, held)
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    self.emit(i, k, f"cancelled {task.cancelling()}")
                    if not spec.get("resilient"):
                        raise
                    while task.uncancel() > 0:
                        pass
            self.emit(i, len(ops), "end")
        except GeneratorExit:
            # A task the run gave up on, closed when collected: it has no more steps.
            raise
        except BaseException:
            self.cleanup(i, len(ops), held)
            raise
        self.cleanup(i, len(ops), held)
        # Its index is its result: what `asCompleted` traces.
        return i

    def cleanup(self, i, k, held):
        """Releases what the task still holds, as `async with` blocks would."""
        for key in sorted(held):
            for _ in range(held[key]):
                self.objects[key].release()
                self.emit(i, k, f"cleanup {key}")

    async def run_op(self, i, k, op, held):
        kind = op["op"]
        name = op.get("obj")
        o = self.objects.get(name)
        okind = self.kinds.get(name)
        if kind == "timeout":
            try:
                async with self._timeout(op["ms"]):
                    await self.run_op(i, k, op["body"], held)
            except TimeoutError:
                self.emit(i, k, "timeout")
        elif kind == "waitFor":
            try:
                await asyncio.wait_for(self.run_op(i, k, op["body"], held), op["ms"])
            except TimeoutError:
                self.emit(i, k, "timeout")
        elif kind == "hold":
            key = self.lock_key(name)
            async with o:
                held[key] = held.get(key, 0) + 1
                try:
                    self.emit(i, k, f"holding {name}")
                    for sub in op["body"]:
                        await self.run_op(i, k, sub, held)
                finally:
                    held[key] -= 1
                    if held[key] == 0:
                        del held[key]
            self.emit(i, k, f"unheld {name}")
        elif kind == "waitTasks":
            fs = [self.tasks[t] for t in op["tasks"]]
            done, pending = await asyncio.wait(fs, timeout=op["ms"], return_when=getattr(asyncio, op["returnWhen"]))
            self.emit(i, k, f"waited done={self.task_names(done)} pending={self.task_names(pending)}")
        elif kind == "asCompleted":
            await self.as_completed(i, k, op)
        elif kind == "sleep":
            await asyncio.sleep(op["ms"])
            self.emit(i, k, "slept")
        elif kind == "awaitTask":
            await self.tasks[op["task"]]
            self.emit(i, k, f"awaited T{op['task']}")
        elif kind == "cancel":
            r = self.tasks[op["task"]].cancel()
            self.emit(i, k, f"cancel T{op['task']} {str(r).lower()}")
        elif kind == "acquire":
            key = self.lock_key(name)
            await o.acquire()
            held[key] = held.get(key, 0) + 1
            self.emit(i, k, f"acquired {name}")
        elif kind == "release":
            key = self.lock_key(name)
            if held.get(key, 0) > 0:
                held[key] -= 1
                if held[key] == 0:
                    del held[key]
                o.release()
                self.emit(i, k, f"released {name}")
            else:
                self.emit(i, k, f"skip {name}")
        elif kind == "wait":
            await self.wait(i, k, name, o, okind, held)
        elif kind == "set":
            o.set()
            self.emit(i, k, f"set {name}")
        elif kind == "clear":
            o.clear()
            self.emit(i, k, f"clear {name}")
        elif kind in ("notify", "notifyAll"):
            if held.get(self.lock_key(name), 0) == 0:
                self.emit(i, k, f"skip {name}")
            else:
                if kind == "notify":
                    o.notify(op["n"])
                else:
                    o.notify_all()
                self.emit(i, k, f"{kind} {name}")
        elif kind == "put":
            try:
                await o.put(op["item"])
                self.emit(i, k, f"put {name} {fmt(op['item'])}")
            except QueueShutDown:
                self.emit(i, k, f"shut {name}")
        elif kind == "get":
            try:
                v = await o.get()
                self.emit(i, k, f"got {name} {fmt(v)}")
            except QueueShutDown:
                self.emit(i, k, f"shut {name}")
        elif kind == "putNowait":
            try:
                o.put_nowait(op["item"])
                self.emit(i, k, f"put {name} {fmt(op['item'])}")
            except asyncio.QueueFull:
                self.emit(i, k, f"full {name}")
            except QueueShutDown:
                self.emit(i, k, f"shut {name}")
        elif kind == "getNowait":
            try:
                v = o.get_nowait()
                self.emit(i, k, f"got {name} {fmt(v)}")
            except asyncio.QueueEmpty:
                self.emit(i, k, f"empty {name}")
            except QueueShutDown:
                self.emit(i, k, f"shut {name}")
        elif kind == "shutdown":
            o.shutdown(op["immediate"])
            self.emit(i, k, f"shutdown {name}{' immediate' if op['immediate'] else ''}")
        elif kind == "probe":
            self.emit(i, k, f"probe {name} {self.state(name)}")
        elif kind == "taskDone":
            try:
                o.task_done()
                self.emit(i, k, f"taskDone {name}")
            except ValueError:
                self.emit(i, k, f"taskDone {name} too-many")
        elif kind == "join":
            await o.join()
            self.emit(i, k, f"joined {name}")
        elif kind in ("abort", "reset"):
            await getattr(o, kind)()
            self.emit(i, k, f"{kind} {name}")
        else:
            raise ValueError(f"unknown op {kind}")

    def task_names(self, fs):
        return ",".join(f"T{j}" for j in sorted(self.tasks.index(f) for f in fs)) or "-"

    async def as_completed(self, i, k, op):
        """Traces which tasks complete, grouped by the turn they were seen in (sorted within a turn:
        asyncio registers already-done tasks in set order)."""
        task = asyncio.current_task()
        seen = []
        tail = ""
        try:
            for nxt in asyncio.as_completed([self.tasks[t] for t in op["tasks"]], timeout=op["ms"]):
                try:
                    name = f"T{await nxt}"
                except asyncio.CancelledError:
                    if task.cancelling():
                        raise
                    name = "cancelled"
                seen.append((self.loop.turn, name))
        except TimeoutError:
            tail = " timeout"
        groups = []
        for turn, name in seen:
            if groups and groups[-1][0] == turn:
                groups[-1][1].append(name)
            else:
                groups.append((turn, [name]))
        text = " ".join(f"{','.join(sorted(names))}@{turn}" for turn, names in groups) or "-"
        self.emit(i, k, f"completed {text}{tail}")

    async def wait(self, i, k, name, o, okind, held):
        if okind == "Event":
            await o.wait()
            self.emit(i, k, f"woke {name}")
        elif okind == "Condition":
            if held.get(self.lock_key(name), 0) == 0:
                self.emit(i, k, f"skip {name}")
                return
            await o.wait()
            self.emit(i, k, f"notified {name}")
        else:
            try:
                index = await o.wait()
                self.emit(i, k, f"passed {name} {index}")
            except asyncio.BrokenBarrierError:
                self.emit(i, k, f"broken {name}")


def main():
    if len(sys.argv) > 1:
        sys.exit(f"usage: {sys.argv[0]} < programs.jsonl")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            result = Interpreter(json.loads(line)).run()
        except Exception as e:  # an interpreter bug: report it rather than stop the batch
            result = {"error": repr(e)}
        sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
