/**
 * The esp32 example app: a tiny event-driven firmware written with anyloop.
 *
 * - The BOOT button (GPIO 0, to ground, pulled up) is debounced and awaited
 *   by a task; each press toggles the LED on GPIO 2.
 * - A sensor on GPIO 34 (ADC1) is read every 500 ms by a drift-free
 *   interval and put into a bounded Queue; when the queue is full the
 *   producer waits (back-pressure) and later reports the readings it skipped.
 * - A consumer task takes readings with a timeout. A reading at or above the
 *   alarm level makes it recalibrate the sensor, which takes a long time:
 *   the consumer stalls.
 * - A watchdog task reports when the consumer makes no progress for a while,
 *   and when it recovers.
 *
 * Its IO comes from Moddable's own modules (`timer`, `time`,
 * `embedded:io/digital`, `embedded:io/analog`), so the same code runs on the
 * device, in the desktop simulator and in tests, which map those names to a
 * simulated board. Everything runs on one XsLoop; the tasks are generator
 * coroutines, so they can be cancelled anywhere.
 */
import Timer from 'timer';
import Time from 'time';
import Digital from 'embedded:io/digital';
import Analog from 'embedded:io/analog';
import { Event, Queue, TimeoutError, createTask, sleep, waitFor, type Task } from 'anyloop';
import { DigitalIn, DigitalOut, XsLoop, interval } from 'anyloop/xs';

/** GPIO numbers of an ESP32 DevKit. */
export const BUTTON_PIN = 0, LED_PIN = 2, SENSOR_PIN = 34;

/** Timings and sizes of the app; the defaults are the firmware's. */
export interface AppOptions {
  /** The loop to run on (default: a new XsLoop on Moddable's Timer and Time, started). */
  loop?: XsLoop;
  /** Where lines go (default: Moddable's `trace`). */
  print?: (line: string) => void;
  /** Button debounce (default 20 ms). */
  debounceMs?: number;
  /** Sensor sampling period (default 500 ms). */
  samplePeriodMs?: number;
  /** Readings the queue holds (default 4). */
  queueSize?: number;
  /** How long the consumer waits for a reading before it says so (default 2000 ms). */
  consumerTimeoutMs?: number;
  /** Raw reading (0..1023) from which the sensor is recalibrated (default 1000). */
  alarmLevel?: number;
  /** How long a recalibration takes (default 5000 ms). */
  recalibrateMs?: number;
  /** How long the consumer may make no progress before the watchdog reports it (default 3000 ms). */
  watchdogMs?: number;
}

/** A sensor reading: the interval's deadline and the raw value. */
export interface Reading {
  time: number;
  value: number;
}

/** The running app. */
export interface App {
  readonly loop: XsLoop;
  /** Cancels the tasks and releases the pins. */
  stop(): void;
}

/** Starts the app's tasks on the loop and returns at once; the loop runs them. */
export function startApp(options: AppOptions = {}): App {
  const loop = options.loop ?? new XsLoop({ Timer, Time });
  const print = options.print ?? ((line: string) => trace(`${line}\n`));
  const samplePeriod = options.samplePeriodMs ?? 500;
  const consumerTimeout = options.consumerTimeoutMs ?? 2000;
  const alarmLevel = options.alarmLevel ?? 1000;
  const recalibrate = options.recalibrateMs ?? 5000;
  const watchdog = options.watchdogMs ?? 3000;

  const button = new DigitalIn({
    pin: BUTTON_PIN, mode: Digital.InputPullUp, edge: 'falling', debounce: options.debounceMs ?? 20, io: Digital, loop,
  });
  const led = new DigitalOut({ pin: LED_PIN, io: Digital, loop });
  const sensor = new Analog({ pin: SENSOR_PIN });
  const readings = new Queue<Reading>(options.queueSize ?? 4, { loop });
  const heartbeat = new Event({ loop });
  const tasks: Task<unknown>[] = [];

  tasks.push(createTask(function* () {
    for (;;) {
      const press = yield* button.edge();
      print(`button pressed at ${press.time} ms: LED ${led.toggle() === 1 ? 'on' : 'off'}`);
    }
  }, { loop, name: 'button' }));

  tasks.push(createTask(function* () {
    const ticker = interval(samplePeriod, { loop });
    try {
      for (;;) {
        const { time, missed } = yield* ticker.tick();
        if (missed > 0) print(`sampler: skipped ${missed} reading${missed === 1 ? '' : 's'} while the queue was full`);
        if (readings.full()) print(`sampler: queue full at ${time} ms, waiting`);
        yield* readings.put({ time, value: sensor.read() });
      }
    } finally {
      ticker.close();
    }
  }, { loop, name: 'sampler' }));

  tasks.push(createTask(function* () {
    for (;;) {
      let reading: Reading;
      try {
        reading = yield* waitFor(readings.get(), consumerTimeout);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        print(`consumer: no reading for ${consumerTimeout} ms`);
        heartbeat.set();
        continue;
      }
      print(`sensor ${reading.value} at ${reading.time} ms`);
      if (reading.value >= alarmLevel) {
        print(`consumer: reading ${reading.value} at or above ${alarmLevel}, recalibrating for ${recalibrate} ms`);
        yield* sleep(recalibrate);
      }
      heartbeat.set();
    }
  }, { loop, name: 'consumer' }));

  tasks.push(createTask(function* () {
    let stalledAt = -1;
    for (;;) {
      try {
        yield* waitFor(heartbeat.wait(), watchdog);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        if (stalledAt < 0) {
          stalledAt = loop.time() - watchdog;
          print(`watchdog: consumer stalled, no progress for ${watchdog} ms`);
        }
        continue;
      }
      heartbeat.clear();
      if (stalledAt >= 0) {
        print(`watchdog: consumer recovered after ${loop.time() - stalledAt} ms`);
        stalledAt = -1;
      }
    }
  }, { loop, name: 'watchdog' }));

  if (!loop.isRunning()) loop.runForever();
  print('app started');
  return {
    loop,
    stop() {
      for (const t of tasks) t.cancel();
      button.close();
      led.close();
      // @moddable/typings 5.6.0 leaves out Analog's close(), which ECMA-419 and the SDK have.
      (sensor as Analog & { close(): void }).close();
    },
  };
}
