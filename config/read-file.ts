// Reads configuration files (or directories of *.cfg files, as `haproxy -f DIR` does) into byte lines for the
// tokenizer, keeping each file's name for `[file:line]` messages. An unreadable file is a ConfigError with code
// ORCA_CONFIG_FILE, never an exception. Main thread, before parsing.

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** One configuration file: the name used in messages and its lines without terminators. */
export interface SourceFile {
  readonly name: string;
  readonly lines: readonly Uint8Array[];
}

/**
 * Reads `paths` in order. A directory contributes its `*.cfg` files in lexical order (HAProxy's rule for `-f DIR`).
 * Files that cannot be read are reported in `errors` and skipped; the others are still returned. Never throws.
 */
export async function readConfigFiles(
  paths: readonly string[],
): Promise<{ files: SourceFile[]; errors: ConfigError[] }> {
  const files: SourceFile[] = [];
  const errors: ConfigError[] = [];
  for (const path of paths) {
    try {
      const info = await stat(path);
      const names = info.isDirectory()
        ? (await readdir(path)).filter((n) => n.endsWith('.cfg')).sort().map((n) => join(path, n))
        : [path];
      for (const name of names) files.push(sourceFromBytes(name, await readFile(name)));
    } catch (e) {
      errors.push(fileError(path, e));
    }
  }
  return { files, errors };
}

/** Wraps in-memory text as a SourceFile named `name` (for tests and `loadConfigText`). */
export function sourceFromText(name: string, text: string): SourceFile {
  return sourceFromBytes(name, new TextEncoder().encode(text));
}

/** Splits on LF and drops a CR before it, so files edited on Windows read the same. */
function sourceFromBytes(name: string, bytes: Uint8Array): SourceFile {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    let end = i;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    // A final newline does not open one more (empty) line.
    if (i < bytes.length || end > start) lines.push(bytes.subarray(start, end));
    start = i + 1;
  }
  return { name, lines };
}

/** HAProxy's wording: "Cannot open configuration file/directory X : No such file or directory". */
function fileError(path: string, e: unknown): ConfigError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  const reason =
    code === 'ENOENT' ? 'No such file or directory'
    : code === 'EACCES' ? 'Permission denied'
    : code === 'EISDIR' ? 'Is a directory'
    : e instanceof Error ? e.message
    : String(e);
  return new ConfigError('ORCA_CONFIG_FILE', `Cannot open configuration file/directory ${path} : ${reason}`, {
    file: path,
    line: 0,
  });
}
