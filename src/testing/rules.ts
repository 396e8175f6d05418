/** A rule of the loop contract, and what a loop that breaks it should change. */
export interface ContractRule {
  /** The rule, as the contract states it. */
  readonly rule: string;
  /** How to fix a loop that breaks it. */
  readonly fix: string;
}

/**
 * The rules the conformance kit checks: each check names the one it tests, so
 * that its failure tells the loop author what to change, not only what broke.
 */
export const rules = {
  fifo: {
    rule: 'callSoon runs callbacks in the order they were scheduled, each with the arguments it was given',
    fix: 'keep ready Handles in a FIFO queue (push at the back, take from the front) and call handle.run(), which passes the arguments',
  },
  deferred: {
    rule: 'callSoon only schedules: the callback runs in a later turn of the loop, never inside callSoon',
    fix: 'queue the Handle and return it; run callbacks only from a turn started by the host (with BaseLoop, _hostWake() schedules a turn and must not run one)',
  },
  turn: {
    rule: 'a turn runs the callbacks that were ready when it began; callbacks they schedule wait for the next turn',
    fix: 'take the ready queue\'s length when the turn begins and run at most that many callbacks (BaseLoop._runOnce() does)',
  },
  exceptions: {
    rule: 'an exception thrown by a callback goes to callExceptionHandler({ message, exception, handle }) and the loop goes on with the next callback',
    fix: 'run each handle inside try/catch in the turn, report what it threw with callExceptionHandler, and continue the turn',
  },
  cancelled: {
    rule: 'a cancelled Handle never runs, even when it is cancelled during the turn it was due in',
    fix: 'return the very Handle you queued, and check it right before running it (handle.run() does nothing once cancel() was called)',
  },
  validation: {
    rule: 'callSoon, callAt and callLater throw a TypeError for a callback that is not a function (and callAt/callLater for a NaN time) before scheduling anything',
    fix: 'check `typeof callback === \'function\'` (and the time) first and throw a TypeError (RangeError allowed for times); BaseLoop does this for you',
  },
  debug: {
    rule: 'getDebug() returns a boolean',
    fix: 'return false unless the loop has a debug mode (BaseLoop has setDebug())',
  },
  clock: {
    rule: 'time() is a finite, monotonic number of milliseconds that moves on while the loop waits for timers',
    fix: 'read a monotonic clock (performance.now(), the host\'s tick counter), never Date.now(); a virtual clock must move to a timer\'s deadline before running it',
  },
  timers: {
    rule: 'timers run in deadline order (equal deadlines in scheduling order) and never before time() reaches their deadline',
    fix: 'keep timers ordered by (deadline, sequence number), move one to the ready queue only when time() >= its deadline, and arm the host timer with the delay rounded up',
  },
  timerCancelled: {
    rule: 'a cancelled TimerHandle never runs',
    fix: 'drop or skip a timer once it is cancelled, also when an earlier callback cancels it in the same turn',
  },
  starvation: {
    rule: 'every turn first moves the due timers to the ready queue, so callbacks that keep rescheduling themselves cannot starve a due timer',
    fix: 'at the start of each turn, move due timers to the ready queue, then run only the callbacks ready at that point (not those scheduled during the turn)',
  },
  primitives: {
    rule: 'Future, the primitives and tasks work on any loop that meets the contract: they need nothing else from it',
    fix: 'fix the failing contract checks first (the ones above); if they all pass, make sure the run option lets promise jobs run while it waits (await between turns) and that callbacks scheduled from promise jobs still get turns',
  },
} as const satisfies Record<string, ContractRule>;
