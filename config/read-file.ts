// Reads configuration files (or directories of *.cfg files, as `haproxy -f DIR` does) into byte lines for the
// tokenizer, keeping each file's name for `[file:line]` messages. An unreadable file is a ConfigError with code
// ORCA_CONFIG_FILE, never an exception. Main thread, before parsing.

import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';

/** One configuration file: the name used in messages and its lines without terminators. */
export interface SourceFile {
  readonly name: string;
  readonly lines: readonly Uint8Array[];
  /**
   * Set when a file read from disk does not end with a newline: HAProxy 2.6 then suspects a truncated file and
   * refuses it ("Missing LF on last line"). `line` is the last line's number, `column` one past its last byte.
   */
  readonly missingFinalNewline?: { readonly line: number; readonly column: number };
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
      for (const name of names) files.push(sourceFromBytes(name, await readBounded(name), true));
    } catch (e) {
      errors.push(fileError(path, e));
    }
  }
  return { files, errors };
}

/**
 * No configuration is this large; the bound keeps `-f /dev/zero` or a runaway generator behind `-f <(...)` from
 * filling the main thread's memory (HAProxy stops at the first NUL byte of such input).
 */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024 * 1024;

/** Reads a whole file, or throws ERR_CONFIG_TOO_LARGE past MAX_CONFIG_FILE_BYTES (devices and pipes included). */
async function readBounded(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Bounded: every pass reads at least one byte or ends, and the total is capped.
    for (;;) {
      const chunk = new Uint8Array(1024 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_CONFIG_FILE_BYTES) throw Object.assign(new Error('too large'), { code: 'ERR_CONFIG_TOO_LARGE' });
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/**
 * Wraps in-memory text as a SourceFile named `name` (for tests and `loadConfigText`). Text handed over in memory
 * cannot have been truncated on disk, so its last line needs no newline.
 */
export function sourceFromText(name: string, text: string): SourceFile {
  return sourceFromBytes(name, new TextEncoder().encode(text), false);
}

/**
 * Splits on LF and drops a CR before it, so files edited on Windows read the same (HAProxy accepts CRLF too).
 * With `fromDisk`, a last line without LF is recorded in `missingFinalNewline`.
 */
function sourceFromBytes(name: string, bytes: Uint8Array, fromDisk: boolean): SourceFile {
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
  const last = bytes.length - 1;
  if (!fromDisk || last < 0 || bytes[last] === 0x0a) return { name, lines };
  const lineStart = bytes.lastIndexOf(0x0a) + 1;
  const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
  return { name, lines, missingFinalNewline: { line, column: bytes.length - lineStart + 1 } };
}

/** HAProxy's wording: "Cannot open configuration file/directory X : No such file or directory". */
function fileError(path: string, e: unknown): ConfigError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  const reason =
    code === 'ENOENT' ? 'No such file or directory'
    : code === 'EACCES' ? 'Permission denied'
    : code === 'EISDIR' ? 'Is a directory'
    : code === 'ERR_CONFIG_TOO_LARGE' ? `larger than ${MAX_CONFIG_FILE_BYTES / 1024 / 1024} MiB, not a configuration file`
    : e instanceof Error ? e.message
    : String(e);
  return new ConfigError('ORCA_CONFIG_FILE', `Cannot open configuration file/directory ${path} : ${reason}`, {
    file: path,
    line: 0,
  });
}
