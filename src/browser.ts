/**
 * The loop for browsers, web workers, Deno and Bun: anyloop's primitives on
 * MessageChannel turns and one host timer.
 * @packageDocumentation
 * @module anyloop/browser
 */
export { BrowserLoop, type BrowserHost, type BrowserLoopOptions, type MessageChannelLike } from './loops/browser.js';
