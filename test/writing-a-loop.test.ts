import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guideFiles } from './support/guide.js';

/**
 * docs/writing-a-loop.md shows anyloop/browser's loop as its worked example:
 * the guide's code must stay the loop's code. (test/package.test.ts compiles
 * the guide's loops against the packed package and runs the kit on them.)
 */
const root = resolve(import.meta.dirname, '..');

describe('docs/writing-a-loop.md', () => {
  it('shows two loops, tiny-loop.ts and browser-loop.ts, and a program on the second, main.ts', () => {
    expect([...guideFiles().keys()]).toEqual(['tiny-loop.ts', 'browser-loop.ts', 'main.ts']);
  });

  it('shows src/loops/browser.ts verbatim, but for importing BaseLoop from anyloop', () => {
    const source = readFileSync(join(root, 'src', 'loops', 'browser.ts'), 'utf8');
    const inPackage = source.replace(/^import \{ BaseLoop \} from '\.\/base\.js';$/m, "import { BaseLoop } from 'anyloop';");
    expect(inPackage).not.toBe(source);
    expect(guideFiles().get('browser-loop.ts')).toBe(inPackage);
  });
});
