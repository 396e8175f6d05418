import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Whether sigrok-cli (Debian's `sigrok-cli`, which reads VCD files) is
 * installed. Tests that need it fail under CI=true when it is missing (.ci/run
 * installs it) and are skipped, loudly, elsewhere.
 */
export function sigrokMissing(): boolean {
  const r = spawnSync('sigrok-cli', ['--version'], { encoding: 'utf8' });
  const missing = r.error !== undefined || r.status !== 0;
  if (missing && process.env.CI !== 'true') {
    console.warn('\n*** SKIPPED: the VCD tests need sigrok-cli (apt-get install sigrok-cli) ***\n');
  }
  return missing && process.env.CI !== 'true';
}

/**
 * The rows where any channel changes, from sigrok-cli's CSV of a VCD file
 * (one sample per millisecond: the sample index is the time). sigrok's VCD
 * input reads 1-bit wires only.
 */
export function vcdTransitions(file: string): { t: number; levels: Record<string, number> }[] {
  let csv: string;
  try {
    csv = execFileSync('sigrok-cli', ['-I', 'vcd', '-i', file, '-O', 'csv'], { encoding: 'utf8' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('sigrok-cli is not installed (.ci/run installs it: apt-get install sigrok-cli)');
    throw e;
  }
  const lines = csv.split('\n').filter((l) => l !== '');
  const header = lines.find((l) => l.startsWith('; Channels'));
  if (header === undefined) throw new Error(`sigrok-cli gave no channels for ${file}:\n${csv}`);
  const names = header.slice(header.indexOf(':') + 1).split(',').map((s) => s.trim());
  const samples = lines.filter((l) => /^[01](,[01])*$/.test(l));
  const out: { t: number; levels: Record<string, number> }[] = [];
  let previous = '';
  samples.forEach((row, t) => {
    if (row === previous) return;
    previous = row;
    const values = row.split(',').map(Number);
    out.push({ t, levels: Object.fromEntries(names.map((n, i) => [n, values[i]!])) });
  });
  return out;
}

/** The bytes sigrok-cli's `uart` protocol decoder (8N1) finds on `channel` of a VCD file. */
export function uartBytes(file: string, channel: string, baud: number): number[] {
  const out = execFileSync('sigrok-cli', ['-I', 'vcd', '-i', file, '-P', `uart:rx=${channel}:baudrate=${baud}:format=hex`, '-A', 'uart=rx-data'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => {
    const m = /^uart-\d+: ([0-9A-F]{2})$/.exec(l);
    if (m === null) throw new Error(`unexpected sigrok output: ${l}`);
    return parseInt(m[1]!, 16);
  });
}
