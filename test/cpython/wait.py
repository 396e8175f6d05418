"""CPython 3.13 traces for test/wait.cpython.test.ts: asyncio.wait and asyncio.as_completed, on virtual time (ms)."""

import asyncio

from harness import run_cases


async def job(log, name, ms, fail=False):
    await asyncio.sleep(ms)
    log(f"{name} finishes")
    if fail:
        raise ValueError(name)
    return name


def spawn(log, *specs):
    return [asyncio.create_task(job(log, *spec), name=spec[0]) for spec in specs]


def names(fs):
    return ",".join(sorted(f.get_name() for f in fs)) or "-"


async def wait_all(log):
    ts = spawn(log, ("a", 10), ("b", 20), ("c", 5))
    done, pending = await asyncio.wait(ts)
    return f"done={names(done)} pending={names(pending)}"


async def wait_first_completed(log):
    ts = spawn(log, ("a", 10), ("b", 20), ("c", 5))
    done, pending = await asyncio.wait(ts, return_when=asyncio.FIRST_COMPLETED)
    log(f"done={names(done)} pending={names(pending)}")
    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    return f"done={names(done)} pending={names(pending)}"


async def wait_first_exception(log):
    ts = spawn(log, ("a", 10), ("b", 20, True), ("c", 30))
    done, pending = await asyncio.wait(ts, return_when=asyncio.FIRST_EXCEPTION)
    log(f"done={names(done)} pending={names(pending)}")
    await asyncio.wait(pending)
    return "all done"


async def wait_first_exception_none_fails(log):
    ts = spawn(log, ("a", 10), ("b", 20))
    ts[0].cancel()
    done, pending = await asyncio.wait(ts, return_when=asyncio.FIRST_EXCEPTION)
    return f"done={names(done)} pending={names(pending)} a cancelled {ts[0].cancelled()}"


async def wait_timeout(log):
    ts = spawn(log, ("a", 10), ("b", 20))
    done, pending = await asyncio.wait(ts, timeout=15)
    log(f"done={names(done)} pending={names(pending)}")
    await ts[1]
    return "b went on"


async def wait_already_done(log):
    ts = spawn(log, ("a", 0))
    await asyncio.sleep(5)
    done, pending = await asyncio.wait(ts, timeout=100)
    return f"done={names(done)} pending={names(pending)}"


async def wait_cancelled(log):
    ts = spawn(log, ("a", 10), ("b", 20))
    w = asyncio.create_task(asyncio.wait(ts))
    await asyncio.sleep(12)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        log("wait cancelled")
    await ts[1]
    return f"b cancelled {ts[1].cancelled()}"


async def wait_duplicates(log):
    ts = spawn(log, ("a", 10))
    done, pending = await asyncio.wait([ts[0], ts[0]], return_when=asyncio.FIRST_COMPLETED)
    return f"done={names(done)} pending={names(pending)}"


async def as_completed_plain(log):
    ts = spawn(log, ("a", 30), ("b", 10), ("c", 20))
    for next_done in asyncio.as_completed(ts):
        log(f"got {await next_done}")
    return "end"


async def as_completed_async(log):
    ts = spawn(log, ("a", 30), ("b", 10), ("c", 20))
    async for f in asyncio.as_completed(ts):
        log(f"got {f.get_name()} original {f in ts} done {f.done()}")
    return "end"


async def as_completed_timeout(log):
    ts = spawn(log, ("a", 30), ("b", 10), ("c", 20))
    try:
        for next_done in asyncio.as_completed(ts, timeout=25):
            log(f"got {await next_done}")
    except TimeoutError:
        log("timeout")
    await ts[0]
    return f"a cancelled {ts[0].cancelled()}"


async def as_completed_exception(log):
    ts = spawn(log, ("a", 10, True), ("b", 20))
    for next_done in asyncio.as_completed(ts):
        try:
            log(f"got {await next_done}")
        except ValueError as e:
            log(f"raised {e}")
    return "end"


async def as_completed_done_and_late(log):
    ts = spawn(log, ("a", 0), ("b", 10))
    await asyncio.sleep(1)
    it = asyncio.as_completed(ts)
    first = next(it)
    log(f"got {await first}")
    log(f"got {await next(it)}")
    return f"more {next(it, None) is not None}"


async def as_completed_cancel_waiter(log):
    ts = spawn(log, ("a", 10), ("b", 20))
    it = iter(asyncio.as_completed(ts))
    w = asyncio.create_task(next(it))
    await asyncio.sleep(5)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        log("first wait cancelled")
    log(f"got {await next(it)}")
    return "end"


run_cases({
    "wait_all": wait_all,
    "wait_first_completed": wait_first_completed,
    "wait_first_exception": wait_first_exception,
    "wait_first_exception_none_fails": wait_first_exception_none_fails,
    "wait_timeout": wait_timeout,
    "wait_already_done": wait_already_done,
    "wait_cancelled": wait_cancelled,
    "wait_duplicates": wait_duplicates,
    "as_completed_plain": as_completed_plain,
    "as_completed_async": as_completed_async,
    "as_completed_timeout": as_completed_timeout,
    "as_completed_exception": as_completed_exception,
    "as_completed_done_and_late": as_completed_done_and_late,
    "as_completed_cancel_waiter": as_completed_cancel_waiter,
})
