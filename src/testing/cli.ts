#!/usr/bin/env node
/**
 * `anyloop-conformance <module> [export]`: runs the loop conformance kit on a
 * loop of the author's own project, without a test runner. Prints one TAP-like
 * line per check (a failure with the rule broken and how to fix it) and exits
 * 0 when every check passed, 1 when one failed, 2 on bad usage.
 */
import { resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import type { Loop } from '../contract/loop.js';
import { loopConformanceChecks, type ConformanceOptions } from './conformance.js';

const USAGE = `usage: anyloop-conformance <module> [export]
  <module>  path of a JavaScript module that exports the loop
  [export]  the export to check (default: default), either a loop class,
            constructed with no arguments and closed with close() if it has
            one, or the options of loopConformanceChecks: { makeLoop, run?, dispose? }`;

/** The kit's options for what the module exports under `name`. */
function optionsFrom(value: unknown, name: string): ConformanceOptions<Loop> {
  if (typeof value === 'function') {
    const LoopClass = value as new () => Loop;
    return {
      makeLoop: () => new LoopClass(),
      dispose: (loop) => {
        const close = (loop as { close?: unknown }).close;
        if (typeof close === 'function') close.call(loop);
      },
    };
  }
  if (value !== null && typeof value === 'object' && typeof (value as { makeLoop?: unknown }).makeLoop === 'function') {
    return value as ConformanceOptions<Loop>;
  }
  throw new TypeError(`the export ${name} is ${value === undefined ? 'missing' : `a ${typeof value}`}: ` +
    'expected a loop class or { makeLoop, run?, dispose? }');
}

async function main(argv: string[]): Promise<number> {
  const [file, name = 'default'] = argv;
  if (file === undefined || argv.length > 2 || file === '--help' || file === '-h') {
    console.error(USAGE);
    return 2;
  }
  let options: ConformanceOptions<Loop>;
  try {
    const module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
    options = optionsFrom(module[name], name);
  } catch (e) {
    console.error(`anyloop-conformance: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const checks = loopConformanceChecks(options);
  let failed = 0;
  for (const [i, check] of checks.entries()) {
    // A loop that stops running callbacks leaves nothing for Node to do: it exits in the middle of the check.
    const stalled = (): void => {
      console.log(`not ok ${i + 1} - ${check.name}\n  the loop never finished the check: it stopped running callbacks\n` +
        `  rule broken: ${check.rule}\n  how to fix: ${check.fix}`);
      process.exitCode = 1;
    };
    process.once('exit', stalled);
    try {
      await check.run();
      console.log(`ok ${i + 1} - ${check.name}`);
    } catch (e) {
      failed++;
      const message = e instanceof Error ? e.message : String(e);
      console.log(`not ok ${i + 1} - ${message.replace(/\n/g, '\n  ')}`);
    } finally {
      process.off('exit', stalled);
    }
  }
  console.log(`conformance: ${checks.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

// Not a top-level await: Node would end a stalled run with its own exit code 13.
void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
