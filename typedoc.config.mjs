// The API reference (docs/api), `npm run docs`. One module per entry point of
// package.json's exports, so a new entry point is documented without an edit
// here; each names itself with `@module anyloop/...` in its file comment.
// The output has no timestamps, source links or absolute paths: regenerating
// gives the same files (test/docs.test.ts checks that they are current).
import { readFileSync } from 'node:fs';

const { exports } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const entryPoints = Object.values(exports)
  .filter((e) => typeof e === 'object' && e.types !== undefined)
  .map((e) => e.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints,
  tsconfig: 'src/sim/host/tsconfig.json',
  plugin: ['typedoc-plugin-markdown'],
  out: 'docs/api',
  readme: 'none',
  excludeInternal: true,
  excludePrivate: true,
  disableSources: true,
  gitRevision: '',
  hideGenerator: true,
  cleanOutputDir: true,
  // Every export, and every method of an exported interface or class, has TSDoc;
  // any warning (an undocumented export, a type referenced but not exported) fails.
  validation: { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
  requiredToBeDocumented: ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Namespace'],
  treatWarningsAsErrors: true,
};
