"""Runs named asyncio cases on the differential test's virtual-time loop and prints their traces.

A case is ``async def case(log)``; ``log(text)`` records ``<time> @<turn> <text>``
(virtual milliseconds, loop turn), as the TypeScript twin (support/cpython.ts)
does on anyloop. The case's outcome is logged as its last line. Output: one
JSON object, case name to trace.
"""

import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "differential"))
from asyncio_interp import VirtualTimeLoop  # noqa: E402


def outcome(value):
    return "None" if value is None else str(value)


def run_case(case):
    lines = []
    loop = VirtualTimeLoop(lambda: loop.stop())
    asyncio.set_event_loop(loop)

    def log(text):
        lines.append(f"{loop.time()} @{loop.turn} {text}")

    async def main():
        try:
            log(f"main returned {outcome(await case(log))}")
        except BaseException as e:  # the outcome is the trace's last line
            log(f"main raised {type(e).__name__}")

    task = loop.create_task(main())
    while not task.done():
        loop.run_forever()
        if not task.done() and not loop._ready and not loop._scheduled:
            lines.append("stuck")
            break
    loop.close()
    return lines


def run_cases(cases):
    json.dump({name: run_case(case) for name, case in cases.items()}, sys.stdout)
    sys.stdout.write("\n")
