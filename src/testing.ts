/**
 * Tools for tests and for loop authors: a deterministic virtual-time loop and
 * the loop conformance kit (also a CLI: `npx anyloop-conformance <module> [export]`).
 * @packageDocumentation
 * @module anyloop/testing
 */
export { VirtualTimeLoop } from './loops/virtual.js';
export { loopConformanceChecks, type ConformanceCheck, type ConformanceOptions } from './testing/conformance.js';
export type { ContractRule } from './testing/rules.js';
