/**
 * The Node.js loop: anyloop's primitives on Node's own scheduling.
 * @packageDocumentation
 */
export { NodeLoop, type NodeHost, type NodeLoopOptions } from './loops/node.js';
