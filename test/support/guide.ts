import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** The code blocks of docs/writing-a-loop.md marked `<!-- file: NAME -->`, by file name. */
export function guideFiles(): Map<string, string> {
  const guide = readFileSync(join(root, 'docs', 'writing-a-loop.md'), 'utf8');
  const files = new Map<string, string>();
  for (const m of guide.matchAll(/^<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)^```$/gm)) files.set(m[1]!, m[2]!);
  return files;
}
