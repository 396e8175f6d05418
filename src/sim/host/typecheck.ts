import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './bundle.js';
import { importPeer, requirePeers } from './peers.js';

/** A TypeScript app that does not typecheck: the message has one `file:line:column: error TSnnnn: ...` line per error. */
export class TypecheckError extends Error {
  override name = 'TypecheckError';
}

/**
 * The declarations of @moddable/typings for the Moddable modules the
 * simulator provides (bundle.ts's MODDABLE_SHIMS) and XS's globals (`trace`).
 */
const TYPINGS = ['xs.d.ts', 'timer.d.ts', 'time.d.ts', 'embedded_io/_common.d.ts', 'embedded_io/digital.d.ts', 'embedded_io/analog.d.ts', 'embedded_io/serial.d.ts', 'embedded_io/socket/tcp.d.ts'];

/** At most this many errors are listed; the count says how many more. */
const SHOWN = 20;

/**
 * Typechecks a TypeScript app against @moddable/typings and anyloop's
 * declarations, as a Moddable build would before it compiles the app:
 * strict, ES2022, imports resolved as a bundler does. Throws a
 * TypecheckError listing the errors, file:line:column first (paths relative
 * to the working directory), or a MissingPeerError when typescript or
 * @moddable/typings is not installed.
 */
export async function typecheckApp(app: string): Promise<void> {
  requirePeers(['typescript', '@moddable/typings']);
  const ts = (await importPeer<{ default: typeof import('typescript') }>('typescript')).default;
  const typings = dirname(createRequire(import.meta.url).resolve('@moddable/typings/package.json'));
  const program = ts.createProgram({
    rootNames: [...TYPINGS.map((f) => join(typings, f)), resolve(app)],
    options: {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
      // anyloop as the app's bundle gets it: this package's src/ (TypeScript) or dist/ (declarations).
      paths: { 'anyloop': [join(ROOT, 'index')], 'anyloop/*': [join(ROOT, '*')] },
    },
  });
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return;
  const lines = errors.slice(0, SHOWN).map((d) => {
    // The head of a message chain says what is wrong; the rest explains it at length.
    const text = `error TS${d.code}: ${typeof d.messageText === 'string' ? d.messageText : d.messageText.messageText}`;
    if (d.file === undefined || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const rel = relative(process.cwd(), d.file.fileName);
    return `${rel.startsWith('..') ? d.file.fileName : rel}:${line + 1}:${character + 1}: ${text}`;
  });
  if (errors.length > SHOWN) lines.push(`... and ${errors.length - SHOWN} more errors`);
  throw new TypecheckError(`${app} does not typecheck against @moddable/typings (--no-typecheck skips this):\n${lines.join('\n')}`);
}
