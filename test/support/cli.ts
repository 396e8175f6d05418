import { main, type CliIO } from '../../src/sim/host/cli.js';

/** Runs the `anyloop-sim` command in-process and collects its exit code and output. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  let err = '';
  const io: CliIO = { out: (l) => out.push(l), err: (t) => { err += t; }, errIsTTY: false };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err };
}
