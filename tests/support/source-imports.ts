// The import edges of the repository's own TypeScript sources, read from the files (no compiler API, no new
// dependency): static imports, `import type`, re-exports (`export … from`), side-effect imports and dynamic import().
// Used by the contract tests that hold the dependency direction (tests/contracts/). Runs on the test runner's thread.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/tests/support/ → repo root (the sources are read, not the compiled copies). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** One import edge: `from` imports `to` (both repo-relative, `/`-separated, `.ts`). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** True for `import type …` / `export type … from`: erased at compile time, nothing loads at run time. */
  readonly typeOnly: boolean;
  /** The specifier as written (for messages). */
  readonly specifier: string;
}

/** Every .ts file under `dir` (absolute), depth first. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

// Declarations start a line (the sources are formatted); the clause before `from` holds only names, braces, commas,
// `*` and `as`, so `export const x = …` or `export class …` never runs on to a later `from`.
const DECLARATION = /^(import|export)\s+(type\s+)?([\w$*{},\s]*?)\s*from\s*['"]([^'"]+)['"]/gm;
const SIDE_EFFECT = /^import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Blanks `/* … *\/` blocks and `//` line comments that start a line, so commented-out imports are not edges. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/^\s*\/\/.*$/gm, '');
}

/** Repo-relative `/`-separated path of an absolute path. */
function repoPath(abs: string): string {
  return relative(REPO_ROOT, abs).split(sep).join('/');
}

/**
 * The relative imports of one source file (absolute path), resolved to repo-relative `.ts` paths. Package and
 * `node:` specifiers are not edges of this graph and are left out.
 */
export function importsOf(file: string): ImportEdge[] {
  const text = withoutComments(readFileSync(file, 'utf8'));
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(DECLARATION)) found.push({ specifier: m[4] ?? '', typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(SIDE_EFFECT)) found.push({ specifier: m[1] ?? '', typeOnly: false });
  for (const m of text.matchAll(DYNAMIC)) found.push({ specifier: m[1] ?? '', typeOnly: false });
  return found
    .filter((f) => f.specifier.startsWith('.'))
    .map((f) => ({
      from: repoPath(file),
      to: repoPath(resolve(dirname(file), f.specifier)).replace(/\.js$/, '.ts'),
      typeOnly: f.typeOnly,
      specifier: f.specifier,
    }));
}

/** The import edges of every .ts file under the given repo-relative folders. */
export function importGraph(folders: readonly string[]): ImportEdge[] {
  return folders.flatMap((folder) => tsFiles(join(REPO_ROOT, folder)).flatMap(importsOf));
}
