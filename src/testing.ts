/**
 * Tools for tests and for loop authors: a deterministic virtual-time loop and
 * the loop conformance kit.
 * @packageDocumentation
 * @module anyloop/testing
 */
export { VirtualTimeLoop } from './loops/virtual.js';
export { loopConformanceChecks, type ConformanceCheck, type ConformanceOptions } from './testing/conformance.js';
