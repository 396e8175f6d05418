/**
 * The Node.js loop.
 * @packageDocumentation
 */
export {};
