/**
 * The desktop simulator: a simulated ESP32 board on virtual time that runs an
 * unchanged Moddable app, driven by a scenario, in Node or in the real XS
 * engine (@agoric/xsnap), with a timeline, a VCD waveform and XS's meters.
 * The board and the Moddable module stand-ins run anywhere; the runner, the
 * bundler, the XS host and the CLI (`anyloop-sim`) need Node.
 * @packageDocumentation
 * @module anyloop/sim
 */
export {
  SimBoard, SimAbort, ESP32_PINS, checkPin, currentBoard,
  type LinkEvent, type Level, type PinChange, type AnalogChange, type PrintedLine, type SimBoardOptions, type PinDriver,
} from './sim/board.js';
export { timerFor, HostTimer, type TimerModule, type TimerCallback } from './sim/timer.js';
export { timeFor, type TimeModule } from './sim/time.js';
export { Digital, digitalFor, type DigitalOptions } from './sim/digital.js';
export { Analog, analogFor, type AnalogOptions } from './sim/analog.js';
export { Serial, serialFor, type SerialOptions } from './sim/serial.js';
export { TCP, tcpFor, type TCPOptions } from './sim/tcp.js';
export { SimUart, uartOf, type UartPeerSetup } from './sim/uart.js';
export { SimNetwork, networkOf, SEND_BUFFER, type ServerSetup } from './sim/network.js';
export { installModdableText } from './sim/text.js';
export {
  parseScenario, scheduleOf, ScenarioError, SCENARIO_LIMITS, PEER_LIMITS,
  type Scenario, type UartPeer, type TcpPeer, type PeerSend, type TcpAction, type ReceivedExpectation, type ConnectsExpectation, type PinSetup, type Press, type Waveform, type AnalogSeries, type Expectation,
  type LevelExpectation, type ChangesExpectation, type PrintedExpectation, type Schedule, type Stimulus, type AnalogStep,
} from './sim/scenario.js';
export { scenario, ScenarioBuilder } from './sim/scenario-builder.js';
export {
  checkExpectations, levelAt, pinName, isLevelEvent, isPrintEvent, isWireEvent, isNoteEvent, linkLines,
  type SimTrace, type TraceLink, type WireEvent, type NoteEvent, type LinkLine, type TraceEvent, type TracePin, type LevelEvent, type AnalogEvent, type PrintEvent, type ExpectationResult,
} from './sim/trace.js';
export { formatTimeline, type TimelineOptions } from './sim/timeline.js';
export { formatVcd } from './sim/vcd.js';
export { installSim, simConfig, REPORT_PREFIX, type SimConfig, type UartConfig, type TcpConfig, type SimHost, type SimDriver, type SimResult, type BoardStats, type LoopReport } from './sim/driver.js';
export {
  runScenario, loadScenario, AppStartError, SimInputError, DEFAULT_STACK, DEFAULT_HEAP, DEFAULT_WATCHDOG, DEFAULT_WATCHDOG_MS,
  type Engine, type RunOptions, type RunSignal, type SimReport, type XsRunMeters,
} from './sim/host/run.js';
export { bundleApp, BundleError, MODDABLE_SHIMS, type BundleOptions, type AppBundle } from './sim/host/bundle.js';
export { typecheckApp, TypecheckError } from './sim/host/typecheck.js';
export { MissingPeerError, type Peer } from './sim/host/peers.js';
export { XsWorker, XsError, xsnapWorkerPath, type XsMeters, type XsEvaluation, type XsWorkerOptions, type XsCommandHandler } from './sim/host/xsnap.js';
export { main as cli, summary, type CliIO } from './sim/host/cli.js';
