import type { SizeProfile } from './size-profile.js';
import type { Sizes } from './size-suite.js';
import { markdownTable } from './stats.js';

/** The parts of a module shown beside it: the largest, the rest summed up. */
const PARTS_SHOWN = 4;

/** The size section of the results: every size measured, then where the bytes go. */
export function sizeTables(s: Sizes): string[] {
  const rows: string[][] = [];
  for (const [k, v] of Object.entries(s.entries)) rows.push([`entry \`${k}\` (whole)`, String(v.min), String(v.gzip)]);
  for (const [k, v] of Object.entries(s.parts)) rows.push([`part of \`anyloop\`: ${k}`, String(v.min), String(v.gzip)]);
  for (const [k, v] of Object.entries(s.primitives)) rows.push([`\`${k}\` alone`, String(v.min), String(v.gzip)]);
  for (const [k, v] of Object.entries(s.programs)) rows.push([`program importing ${k}`, String(v.min), String(v.gzip)]);
  for (const [k, v] of Object.entries(s.peers)) rows.push([`peer: ${k}`, String(v.min), String(v.gzip)]);
  return [
    '### Size: bytes minified (terser) and min+gzip (zlib level 9), bundled with rollup',
    markdownTable(['module', 'min', 'min+gzip'], rows),
    ...profileTables(s.profiles),
  ];
}

/**
 * "Where the bytes go": for each profiled import, a table of the modules in
 * its bundle with their minified bytes, the gzip bytes the bundle loses
 * without them, and their largest parts.
 */
function profileTables(profiles: Record<string, SizeProfile>): string[] {
  const out: string[] = [];
  for (const [name, p] of Object.entries(profiles)) {
    out.push(`### Size: where the bytes go, ${name} (${p.min} B minified, ${p.gzip} B min+gzip)`);
    const rows = p.modules.map((m) => {
      const shown = m.parts.slice(0, PARTS_SHOWN).filter((x) => x.name !== '').map((x) => `${x.name} ${x.min}`);
      const rest = m.parts.slice(PARTS_SHOWN).reduce((sum, x) => sum + x.min, 0);
      if (rest > 0) shown.push(`others ${rest}`);
      return [m.module, String(m.min), String(m.gzip), shown.join(', ')];
    });
    out.push(markdownTable(['module', 'min', 'min+gzip lost without it', 'largest parts (min bytes)'], rows));
  }
  return out;
}
