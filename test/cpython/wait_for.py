"""CPython 3.13 traces for test/wait-for.cpython.test.ts: cases of test_asyncio/test_waitfor.py, on virtual time (ms)."""

import asyncio

from harness import run_cases


async def slow_task(log, duration):
    """test_waitfor's SlowTask.run: runs for `duration`, ignoring cancel requests."""
    loop = asyncio.get_running_loop()
    exit_at = loop.time() + duration
    log("slow start")
    while True:
        to_sleep = exit_at - loop.time()
        if to_sleep <= 0:
            break
        try:
            await asyncio.sleep(to_sleep)
        except asyncio.CancelledError:
            log("slow ignores a cancel")
    log("slow exited")
    return "slow"


async def sleeper(log, ms, result="inner"):
    """Logs its start, whether it runs in the caller's task, and its finally."""
    log("inner start")
    try:
        await asyncio.sleep(ms)
    finally:
        log("inner finally")
    return result


async def wait_for_cancelled(log):
    # test_asyncio_wait_for_cancelled
    t = asyncio.create_task(asyncio.wait_for(slow_task(log, 200), 400))
    await asyncio.sleep(0)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        log("wait_for task cancelled")
    return t.cancelled()


async def wait_for_timeout(log):
    # test_asyncio_wait_for_timeout: the slow task swallows the timeout's cancel, so its result comes out
    return await asyncio.wait_for(slow_task(log, 200), 100)


async def cancel_right_after_start(log):
    # The inner coroutine starts in the caller's first step; a cancel then reaches it at its first await.
    async def caller():
        return await asyncio.wait_for(sleeper(log, 50), 100)
    t = asyncio.create_task(caller())
    await asyncio.sleep(0)
    log(f"cancel {t.cancel()}")
    try:
        await t
    except asyncio.CancelledError:
        log("caller cancelled")
    return t.cancelled()


async def cancel_before_start(log):
    async def caller():
        return await asyncio.wait_for(sleeper(log, 50), 100)
    t = asyncio.create_task(caller())
    log(f"cancel {t.cancel()}")
    try:
        await t
    except asyncio.CancelledError:
        log("caller cancelled")
    return t.cancelled()


async def in_callers_task(log):
    me = asyncio.current_task()

    async def inner():
        log(f"inner in the caller's task: {asyncio.current_task() is me}")
        await asyncio.sleep(1)
        return "done"
    return await asyncio.wait_for(inner(), 10)


async def timeout_while_inner_runs(log):
    try:
        return await asyncio.wait_for(sleeper(log, 50), 10)
    except TimeoutError as e:
        log(f"TimeoutError from {type(e.__cause__).__name__}")
        raise


async def task_timeout(log):
    # test_wait_for: a task passed in is cancelled by the timeout and has finished
    fut = asyncio.create_task(sleeper(log, 10_000))
    try:
        await asyncio.wait_for(fut, 100)
    except TimeoutError:
        log(f"timeout; task cancelled {fut.cancelled()}")
    return fut.done()


async def waits_for_task_cancellation(log):
    # test_wait_for_waits_for_task_cancellation
    async def inner():
        try:
            await asyncio.sleep(10_000)
        except asyncio.CancelledError:
            await asyncio.sleep(1)
            log("inner cleaned up")
            raise
    inner_task = asyncio.create_task(inner())
    try:
        await asyncio.wait_for(inner_task, 1)
    except TimeoutError as e:
        log(f"TimeoutError from {type(e.__cause__).__name__}")
    return inner_task.cancelled()


async def reraises_exception_during_cancellation(log):
    # test_wait_for_reraises_exception_during_cancellation
    async def inner():
        try:
            await asyncio.sleep(200)
        finally:
            raise ValueError("foo")
    try:
        await asyncio.wait_for(asyncio.create_task(inner()), 1)
    except ValueError as e:
        log(f"ValueError {e}")
    return "ok"


async def cancel_suppressed(log):
    # test_wait_for_cancel_suppressed
    async def return_42():
        try:
            await asyncio.sleep(10_000)
        except asyncio.CancelledError:
            return 42
    return await asyncio.wait_for(return_42(), 100)


async def cancellation_race(log):
    # test_wait_for_cancellation_race_condition
    async def inner():
        try:
            await asyncio.sleep(1000)
        except asyncio.CancelledError:
            log("inner got the cancel")
        return 1
    return await asyncio.wait_for(inner(), 10)


async def issue86296(log):
    # test_wait_for_issue86296: a cancel while wait_for's inner task is done must still cancel
    async def inner():
        return "done"
    inner_task = asyncio.create_task(inner())
    reached_end = False

    async def wait_for_coro():
        nonlocal reached_end
        await asyncio.wait_for(inner_task, 100)
        await asyncio.sleep(1)
        reached_end = True
    task = asyncio.create_task(wait_for_coro())
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        log("task cancelled")
    return f"{inner_task.result()} {reached_end}"


async def zero_timeout_coroutine_not_started(log):
    started = False

    async def foo():
        nonlocal started
        started = True
    try:
        await asyncio.wait_for(foo(), 0)
    except TimeoutError:
        log("timeout")
    return started


async def zero_timeout_task(log):
    # test_wait_for_timeout_less_then_0_or_0
    started = asyncio.get_running_loop().create_future()

    async def foo():
        started.set_result(None)
        return await sleeper(log, 10_000)
    fut = asyncio.create_task(foo())
    await started
    try:
        await asyncio.wait_for(fut, -1)
    except TimeoutError:
        log(f"timeout; cancelled {fut.cancelled()}")
    return fut.done()


async def cancel_wait_for_task(log):
    # _test_cancel_wait_for: cancelling the wait cancels the task it waits for
    loop = asyncio.get_running_loop()

    async def blocking():
        await loop.create_future()
    task = asyncio.create_task(blocking())
    wait = asyncio.create_task(asyncio.wait_for(task, 60_000))
    loop.call_soon(wait.cancel)
    try:
        await wait
    except asyncio.CancelledError:
        log("wait cancelled")
    await asyncio.sleep(0)
    return task.cancelled()


async def race_condition(log):
    # test_wait_for_race_condition
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    w = asyncio.wait_for(fut, 200)
    loop.call_soon(fut.set_result, "ok")
    return await w


run_cases({
    "wait_for_cancelled": wait_for_cancelled,
    "wait_for_timeout": wait_for_timeout,
    "cancel_right_after_start": cancel_right_after_start,
    "cancel_before_start": cancel_before_start,
    "in_callers_task": in_callers_task,
    "timeout_while_inner_runs": timeout_while_inner_runs,
    "task_timeout": task_timeout,
    "waits_for_task_cancellation": waits_for_task_cancellation,
    "reraises_exception_during_cancellation": reraises_exception_during_cancellation,
    "cancel_suppressed": cancel_suppressed,
    "cancellation_race": cancellation_race,
    "issue86296": issue86296,
    "zero_timeout_coroutine_not_started": zero_timeout_coroutine_not_started,
    "zero_timeout_task": zero_timeout_task,
    "cancel_wait_for_task": cancel_wait_for_task,
    "race_condition": race_condition,
})
