/**
 * The Node.js loop: anyloop's primitives on Node's own scheduling.
 * @packageDocumentation
 * @module anyloop/node
 */
export { NodeLoop, type NodeHost, type NodeLoopOptions } from './loops/node.js';
