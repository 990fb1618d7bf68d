// The command-line flags, in one table (name, value, help): parsed here, listed by --help, checked against README
// by a test. HAProxy's own spellings are kept where they exist (-f, -c, -db, -v).

import { parseArgs } from 'node:util';
import { OrcaError } from '../core/errors.js';
import type { AcceptMode } from './messages.js';

export const CLI_FLAGS = [
  { flag: '-f FILE', help: 'configuration file (repeat for several, read in order)' },
  { flag: '-c', help: 'check the configuration and exit: 0 valid, 1 errors, 2 valid but no listener' },
  { flag: '--threads N', help: 'forwarder threads (default: nbthread from the config, else the CPU count)' },
  { flag: '--accept MODE', help: "'acceptor' (default: one thread accepts and hands fds over) or 'reuseport'" },
  { flag: '-db', help: 'accepted for HAProxy compatibility (orcalb always runs in the foreground)' },
  { flag: '-v, --version', help: 'print the version and exit' },
  { flag: '-h, --help', help: 'print this help and exit' },
] as const;

export interface CliOptions {
  readonly files: string[];
  readonly check: boolean;
  readonly threads?: number;
  readonly accept: AcceptMode;
  readonly version: boolean;
  readonly help: boolean;
}

/** Parses argv (without node and script). Throws OrcaError ORCA_CLI_USAGE with a one-line reason. */
export function parseCli(argv: readonly string[]): CliOptions {
  // HAProxy writes `-db` as one short flag; node's parser would read it as -d -b.
  const args = argv.filter((a) => a !== '-db');
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        check: { type: 'boolean', short: 'c' },
        threads: { type: 'string' },
        accept: { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    throw new OrcaError('ORCA_CLI_USAGE', e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  const accept = v.accept ?? 'acceptor';
  if (accept !== 'acceptor' && accept !== 'reuseport') {
    throw new OrcaError('ORCA_CLI_USAGE', `--accept: expected 'acceptor' or 'reuseport', got '${accept}'`);
  }
  let threads: number | undefined;
  if (v.threads !== undefined) {
    threads = Number(v.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new OrcaError('ORCA_CLI_USAGE', `--threads: expected an integer from 1 to 256, got '${v.threads}'`);
    }
  }
  const files = v.file ?? [];
  if (files.length === 0 && v.version !== true && v.help !== true) {
    throw new OrcaError('ORCA_CLI_USAGE', 'no configuration file: use -f FILE');
  }
  return {
    files,
    check: v.check === true,
    ...(threads === undefined ? {} : { threads }),
    accept,
    version: v.version === true,
    help: v.help === true,
  };
}

export function usage(): string {
  const width = Math.max(...CLI_FLAGS.map((f) => f.flag.length));
  const lines = CLI_FLAGS.map((f) => `  ${f.flag.padEnd(width)}  ${f.help}`);
  return `Usage: orcalb -f FILE [-f FILE ...] [options]\n${lines.join('\n')}\n`;
}
