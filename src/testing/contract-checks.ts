import { expectEqual, expectThrows, expectTrue, show, type CheckSpec } from './check-support.js';
import { rules } from './rules.js';

const NOT_FUNCTIONS: readonly unknown[] = [undefined, null, 42, 'callback', {}];

/** The contract every Loop must meet (and, for TimerLoops, the timer part), each check with the rule it tests. */
export const contractChecks: readonly CheckSpec[] = [
  {
    name: 'callSoon runs callbacks in FIFO order with their arguments',
    rule: rules.fifo,
    async body({ loop, future, run }) {
      const done = future<void>();
      const log: string[] = [];
      for (let i = 0; i < 5; i++) loop.callSoon((n: number, s: string) => log.push(`${n}${s}`), i, 'x');
      loop.callSoon(() => done.setResult());
      await run(done);
      expectEqual(log, ['0x', '1x', '2x', '3x', '4x'], 'callback order');
    },
  },
  {
    name: 'callSoon never runs the callback before it returns',
    rule: rules.deferred,
    async body({ loop, future, run }) {
      const done = future<void>();
      let ran = false;
      loop.callSoon(() => { ran = true; done.setResult(); });
      expectTrue(!ran, 'the callback ran inside callSoon');
      await run(done);
      expectTrue(ran, 'the callback never ran');
    },
  },
  {
    name: 'a callback scheduled during a turn runs after the callbacks already ready',
    rule: rules.turn,
    async body({ loop, future, run }) {
      const done = future<void>();
      const log: string[] = [];
      loop.callSoon(() => { log.push('a'); loop.callSoon(() => log.push('a2')); });
      loop.callSoon(() => { log.push('b'); loop.callSoon(() => { log.push('b2'); done.setResult(); }); });
      loop.callSoon(() => log.push('c'));
      await run(done);
      expectEqual(log, ['a', 'b', 'c', 'a2', 'b2'], 'callback order');
    },
  },
  {
    name: 'an exception thrown by a callback goes to callExceptionHandler and the loop goes on',
    rule: rules.exceptions,
    async body({ loop, future, run, captureExceptions }) {
      const seen = captureExceptions();
      const done = future<void>();
      const boom = new Error('boom');
      const log: string[] = [];
      loop.callSoon(() => { log.push('throws'); throw boom; });
      loop.callSoon(() => { log.push('next'); done.setResult(); });
      await run(done);
      expectEqual(log, ['throws', 'next'], 'callbacks run');
      expectEqual(seen.length, 1, 'reports to callExceptionHandler');
      expectTrue(seen[0]!.exception === boom, `the report carries the thrown error, got ${show(seen[0]!.exception)}`);
      expectEqual(typeof seen[0]!.message, 'string', 'type of the report message');
    },
  },
  {
    name: 'a cancelled Handle never runs',
    rule: rules.cancelled,
    async body({ loop, future, run }) {
      const done = future<void>();
      const log: string[] = [];
      const early = loop.callSoon(() => log.push('cancelled before the turn'));
      early.cancel();
      expectTrue(early.cancelled(), 'cancelled() is false after cancel()');
      let late: { cancel(): void } | undefined;
      loop.callSoon(() => { log.push('a'); late!.cancel(); });
      late = loop.callSoon(() => log.push('cancelled during the turn'));
      loop.callSoon(() => { log.push('b'); done.setResult(); });
      await run(done);
      expectEqual(log, ['a', 'b'], 'callbacks run');
    },
  },
  {
    name: 'callSoon rejects a non-function callback with TypeError',
    rule: rules.validation,
    body({ loop }) {
      for (const v of NOT_FUNCTIONS) {
        expectThrows(() => loop.callSoon(v as () => void), [TypeError], `callSoon(${show(v)})`);
      }
    },
  },
  {
    name: 'getDebug returns a boolean',
    rule: rules.debug,
    body({ loop }) {
      expectEqual(typeof loop.getDebug(), 'boolean', 'type of getDebug()');
    },
  },
  {
    name: 'time() is a monotonic number',
    rule: rules.clock,
    needsTimers: true,
    async body({ loop, future, run }) {
      const done = future<void>();
      const times = [loop.time()];
      const sample = (): void => { times.push(loop.time()); };
      for (let i = 0; i < 3; i++) loop.callSoon(sample);
      loop.callLater(1, sample);
      loop.callLater(2, () => { sample(); loop.callSoon(() => { sample(); done.setResult(); }); });
      await run(done);
      times.push(loop.time());
      expectTrue(times.every(Number.isFinite), `time() gave a non-finite value: ${show(times)}`);
      for (let i = 1; i < times.length; i++) {
        expectTrue(times[i]! >= times[i - 1]!, `time() went backwards: ${show(times)}`);
      }
      expectTrue(times[times.length - 1]! >= times[0]! + 2, `time() did not move past a 2 ms timer: ${show(times)}`);
    },
  },
  {
    name: 'callAt and callLater run timers in deadline order, never before their deadline',
    rule: rules.timers,
    needsTimers: true,
    async body({ loop, future, run }) {
      const done = future<void>();
      const log: string[] = [];
      const early: string[] = [];
      const handles: Record<string, { when(): number }> = {};
      const at = (name: string) => function timer(): void {
        log.push(name);
        if (loop.time() < handles[name]!.when()) early.push(`${name} at ${loop.time()} < ${handles[name]!.when()}`);
      };
      const t0 = loop.time();
      handles.c = loop.callLater(30, at('c'));
      handles.a = loop.callAt(t0 + 10, at('a'));
      handles.b = loop.callLater(20, at('b'));
      handles.z = loop.callLater(0, at('z'));
      loop.callLater(31, () => done.setResult());
      await run(done);
      expectEqual(log, ['z', 'a', 'b', 'c'], 'timer order');
      expectEqual(early, [], 'timers that ran before their deadline');
    },
  },
  {
    name: 'a cancelled timer never runs',
    rule: rules.timerCancelled,
    needsTimers: true,
    async body({ loop, future, run }) {
      const done = future<void>();
      const log: string[] = [];
      const dropped = loop.callLater(1, () => log.push('cancelled before it was due'));
      dropped.cancel();
      expectTrue(dropped.cancelled(), 'cancelled() is false after cancel()');
      let victim: { cancel(): void } | undefined;
      loop.callLater(2, () => { log.push('a'); victim!.cancel(); });
      victim = loop.callLater(3, () => log.push('cancelled by an earlier timer'));
      loop.callLater(5, () => { log.push('b'); done.setResult(); });
      await run(done);
      expectEqual(log, ['a', 'b'], 'callbacks run');
    },
  },
  {
    name: 'callbacks that reschedule themselves do not starve a due timer',
    rule: rules.starvation,
    needsTimers: true,
    async body({ loop, future, run }) {
      const done = future<void>();
      let spins = 0;
      let timerRan = false;
      loop.callLater(0, () => { timerRan = true; });
      const spin = (): void => {
        if (timerRan || ++spins === 1000) done.setResult();
        else loop.callSoon(spin);
      };
      loop.callSoon(spin);
      await run(done);
      expectTrue(timerRan, 'a timer due now did not run while a callback kept rescheduling itself 1000 times');
    },
  },
  {
    name: 'callAt and callLater reject a non-function callback (TypeError) and a NaN time',
    rule: rules.validation,
    needsTimers: true,
    body({ loop }) {
      for (const v of NOT_FUNCTIONS) {
        expectThrows(() => loop.callLater(1, v as () => void), [TypeError], `callLater(1, ${show(v)})`);
        expectThrows(() => loop.callAt(loop.time() + 1, v as () => void), [TypeError], `callAt(t, ${show(v)})`);
      }
      expectThrows(() => loop.callLater(NaN, () => {}), [TypeError, RangeError], 'callLater(NaN, cb)');
      expectThrows(() => loop.callAt(NaN, () => {}), [TypeError, RangeError], 'callAt(NaN, cb)');
    },
  },
];
