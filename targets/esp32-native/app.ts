/**
 * The esp32 example app (targets/esp32/app.ts) written again without
 * anyloop: native promises, async functions and Moddable's timers, as a
 * Moddable developer would write it. Same pins, same timeline, same lines:
 * the bench compares the two apps (heap, running state, computrons) on the
 * same scenarios, and a test checks that both print the same lines at the
 * same times.
 *
 * - The BOOT button (GPIO 0) is debounced with a timer (20 ms after its last
 *   change) and each press toggles the LED on GPIO 2.
 * - The sensor on GPIO 34 is read every 500 ms on a drift-free schedule into
 *   a bounded queue; when the queue is full the sampler waits and later
 *   reports the readings it skipped.
 * - The consumer takes readings with a time limit; an alarm reading makes it
 *   recalibrate (a long wait); a watchdog reports when it stalls and recovers.
 */
import Timer from 'timer';
import Time from 'time';
import Digital from 'embedded:io/digital';
import Analog from 'embedded:io/analog';

export const BUTTON_PIN = 0, LED_PIN = 2, SENSOR_PIN = 34;
const DEBOUNCE_MS = 20, SAMPLE_PERIOD_MS = 500, QUEUE_SIZE = 4, CONSUMER_TIMEOUT_MS = 2000;
const ALARM_LEVEL = 1000, RECALIBRATE_MS = 5000, WATCHDOG_MS = 3000;

interface Reading {
  time: number;
  value: number;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => { Timer.set(() => resolve(), ms); });
}

/** Resolves with what `wait` resolves with, or with `undefined` after `ms`; `cancel` gives up the wait. */
function withTimeout<T>(ms: number, wait: (resolve: (v: T) => void) => () => void): Promise<T | undefined> {
  return new Promise((resolve) => {
    const cancel = wait((v) => {
      Timer.clear(timer);
      resolve(v);
    });
    const timer = Timer.set(() => {
      cancel();
      resolve(undefined);
    }, ms);
  });
}

/** A bounded queue of readings: get() with a time limit, put() that waits while it is full. */
class ReadingQueue {
  private readonly items: Reading[] = [];
  private readonly getters: ((r: Reading) => void)[] = [];
  private readonly putters: (() => void)[] = [];

  full(): boolean {
    return this.items.length >= QUEUE_SIZE;
  }

  async put(r: Reading): Promise<void> {
    while (this.full()) await new Promise<void>((resolve) => { this.putters.push(resolve); });
    const getter = this.getters.shift();
    if (getter !== undefined) getter(r);
    else this.items.push(r);
  }

  get(ms: number): Promise<Reading | undefined> {
    const r = this.items.shift();
    if (r !== undefined) {
      this.putters.shift()?.();
      return Promise.resolve(r);
    }
    return withTimeout<Reading>(ms, (resolve) => {
      this.getters.push(resolve);
      return () => { this.getters.splice(this.getters.indexOf(resolve), 1); };
    });
  }
}

/** A flag that the watchdog waits on. */
class Heartbeat {
  private isSet = false;
  private waiters: ((v: true) => void)[] = [];

  set(): void {
    if (this.isSet) return;
    this.isSet = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(true);
  }

  clear(): void {
    this.isSet = false;
  }

  wait(ms: number): Promise<true | undefined> {
    if (this.isSet) return Promise.resolve(true);
    return withTimeout<true>(ms, (resolve) => {
      this.waiters.push(resolve);
      return () => { this.waiters.splice(this.waiters.indexOf(resolve), 1); };
    });
  }
}

/** Starts the app and returns at once; timers and promise jobs run it. */
export function startApp(print: (line: string) => void = (line) => trace(`${line}\n`)): void {
  // Milliseconds since the app started (the device's tick counter, read at start-up: not in a preloaded module's body).
  const start = Time.ticks;
  const now = (): number => (Time.ticks - start) | 0;
  const readings = new ReadingQueue();
  const heartbeat = new Heartbeat();
  const sensor = new Analog({ pin: SENSOR_PIN });
  const led = new Digital({ pin: LED_PIN, mode: Digital.Output });
  let ledLevel: 0 | 1 = 0;
  led.write(0);

  // The button: each change restarts the debounce; once the pin has been
  // still for DEBOUNCE_MS, a new low level is a press, dated at its last change.
  let stable = 1, lastChange = 0, deadline = 0;
  let debounce: Timer | null = null;
  const settle = (): void => {
    const t = now();
    if (t < deadline) {
      debounce = Timer.set(settle, deadline - t);
      return;
    }
    debounce = null;
    const level = button.read();
    if (level === stable) return;
    stable = level;
    if (level === 0) {
      ledLevel = ledLevel === 0 ? 1 : 0;
      led.write(ledLevel);
      print(`button pressed at ${lastChange} ms: LED ${ledLevel === 1 ? 'on' : 'off'}`);
    }
  };
  const button = new Digital({
    pin: BUTTON_PIN, mode: Digital.InputPullUp, edge: Digital.Rising | Digital.Falling,
    onReadable() {
      lastChange = now();
      deadline = lastChange + DEBOUNCE_MS;
      debounce ??= Timer.set(settle, DEBOUNCE_MS);
    },
  });
  stable = button.read();

  const sampler = async (): Promise<void> => {
    let next = SAMPLE_PERIOD_MS;
    for (;;) {
      if (now() < next) await delay(next - now());
      // The latest deadline passed: those before it while the queue was full are skipped.
      const latest = Math.max(next, Math.floor(now() / SAMPLE_PERIOD_MS) * SAMPLE_PERIOD_MS);
      const missed = (latest - next) / SAMPLE_PERIOD_MS;
      next = latest + SAMPLE_PERIOD_MS;
      if (missed > 0) print(`sampler: skipped ${missed} reading${missed === 1 ? '' : 's'} while the queue was full`);
      if (readings.full()) print(`sampler: queue full at ${latest} ms, waiting`);
      await readings.put({ time: latest, value: sensor.read() });
    }
  };

  const consumer = async (): Promise<void> => {
    for (;;) {
      const reading = await readings.get(CONSUMER_TIMEOUT_MS);
      if (reading === undefined) {
        print(`consumer: no reading for ${CONSUMER_TIMEOUT_MS} ms`);
        heartbeat.set();
        continue;
      }
      print(`sensor ${reading.value} at ${reading.time} ms`);
      if (reading.value >= ALARM_LEVEL) {
        print(`consumer: reading ${reading.value} at or above ${ALARM_LEVEL}, recalibrating for ${RECALIBRATE_MS} ms`);
        await delay(RECALIBRATE_MS);
      }
      heartbeat.set();
    }
  };

  const watchdog = async (): Promise<void> => {
    let stalledAt = -1;
    for (;;) {
      if (await heartbeat.wait(WATCHDOG_MS) === undefined) {
        if (stalledAt < 0) {
          stalledAt = now() - WATCHDOG_MS;
          print(`watchdog: consumer stalled, no progress for ${WATCHDOG_MS} ms`);
        }
        continue;
      }
      heartbeat.clear();
      if (stalledAt >= 0) {
        print(`watchdog: consumer recovered after ${now() - stalledAt} ms`);
        stalledAt = -1;
      }
    }
  };

  const fail = (e: unknown): void => print(`failed: ${String(e)}`);
  sampler().catch(fail);
  consumer().catch(fail);
  watchdog().catch(fail);
  print('app started');
}
