/**
 * `npm run bench:size`: the size suite alone, in seconds rather than
 * minutes: every size `npm run bench` measures and where the bytes go.
 * Prints markdown; writes nothing.
 */
import { measureSizes } from './lib/size-suite.js';
import { sizeTables } from './lib/size-tables.js';

process.stdout.write(`${sizeTables(await measureSizes()).join('\n\n')}\n`);
