"""CPython 3.13 traces for test/hold.cpython.test.ts: `async with` on the primitives, and their reprs (without the address)."""

import asyncio
import re

from harness import run_cases


def r(o):
    """The repr without ` object at 0x...` and the module path, as anyloop's toString() gives it."""
    text = repr(o) if not isinstance(o, asyncio.Queue) else str(o)
    text = re.sub(r" object at 0x[0-9a-f]+", "", text)
    return re.sub(r"<asyncio\.\w+\.", "<", text)


async def worker(log, prim, name, ms, fail=False):
    log(f"{name} wants {r(prim)}")
    async with prim:
        log(f"{name} holds {r(prim)}")
        await asyncio.sleep(ms)
        if fail:
            raise ValueError(name)
    log(f"{name} left")


async def outcome(log, t):
    try:
        await t
    except asyncio.CancelledError:
        log(f"{t.get_name()} cancelled")
    except ValueError as e:
        log(f"{t.get_name()} raised {e}")


async def lock_held_blocks(log):
    lock = asyncio.Lock()
    ts = [asyncio.create_task(worker(log, lock, n, 10, n == "b"), name=n) for n in "abcd"]
    await asyncio.sleep(5)
    log(r(lock))
    ts[2].cancel()
    await asyncio.sleep(7)
    ts[3].cancel()
    await asyncio.sleep(0)
    log(r(lock))
    for t in ts:
        await outcome(log, t)
    return r(lock)


async def lock_cancel_holder(log):
    lock = asyncio.Lock()
    a = asyncio.create_task(worker(log, lock, "a", 100), name="a")
    b = asyncio.create_task(worker(log, lock, "b", 10), name="b")
    await asyncio.sleep(1)
    a.cancel()
    await outcome(log, a)
    log(r(lock))
    await outcome(log, b)
    return r(lock)


async def semaphore_blocks(log):
    sem = asyncio.Semaphore(2)
    ts = [asyncio.create_task(worker(log, sem, n, 10 * (i + 1)), name=n) for i, n in enumerate("abc")]
    await asyncio.sleep(1)
    log(r(sem))
    ts[0].cancel()
    for t in ts:
        await outcome(log, t)
    bsem = asyncio.BoundedSemaphore(1)
    log(r(bsem))
    await worker(log, bsem, "d", 1)
    return r(bsem)


async def condition_blocks(log):
    cond = asyncio.Condition()

    async def waiter(name):
        async with cond:
            log(f"{name} waits {r(cond)}")
            await cond.wait()
            log(f"{name} notified {r(cond)}")

    ts = [asyncio.create_task(waiter(n), name=n) for n in "ab"]
    await asyncio.sleep(1)
    log(r(cond))
    async with cond:
        log(f"main holds {r(cond)}")
        cond.notify_all()
    ts[1].cancel()
    for t in ts:
        await outcome(log, t)
    return r(cond)


async def event_and_barrier(log):
    ev = asyncio.Event()
    b = asyncio.Barrier(3)
    log(r(ev))
    log(r(b))
    w = asyncio.create_task(ev.wait())
    bw = [asyncio.create_task(b.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    log(r(ev))
    log(r(b))
    ev.set()
    await w
    log(r(ev))
    await b.wait()
    log(r(b))
    await asyncio.sleep(0)
    log(r(b))
    await asyncio.gather(*bw)
    bw = [asyncio.create_task(b.wait())]
    await asyncio.sleep(0)
    await b.abort()
    log(r(b))
    await asyncio.gather(*bw, return_exceptions=True)
    await b.reset()
    return r(b)


async def queues(log):
    q = asyncio.Queue(2)
    log(r(q))
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    log(r(q))
    await q.put(1)
    log(r(q))
    await getter
    await q.put("a")
    await q.put([1, "b"])
    putter = asyncio.create_task(q.put(3))
    await asyncio.sleep(0)
    log(r(q))
    q.get_nowait()
    q.task_done()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    log(r(q))
    q.shutdown()
    log(r(q))
    lq = asyncio.LifoQueue()
    pq = asyncio.PriorityQueue()
    for v in [5, 3, 8, 1, 9, 2, 7]:
        lq.put_nowait(v)
        pq.put_nowait(v)
    log(r(lq))
    log(r(pq))
    pq.get_nowait()
    pq.get_nowait()
    log(r(pq))
    await putter
    return "end"


run_cases({
    "lock_held_blocks": lock_held_blocks,
    "lock_cancel_holder": lock_cancel_holder,
    "semaphore_blocks": semaphore_blocks,
    "condition_blocks": condition_blocks,
    "event_and_barrier": event_and_barrier,
    "queues": queues,
})
