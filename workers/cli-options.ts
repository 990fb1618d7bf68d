// The command-line flags, in one table (name, value, help): parsed here, listed by --help, checked against README
// by a test. HAProxy 2.6's own spellings are kept where they exist (management.txt §3: -f, -c, -db, -D, -W, -Ws, -p,
// -q, -V, -N, -L, -sf, -st, -v), so orcalb drops into haproxy's systemd unit and init scripts. Main thread.

import { parseArgs } from 'node:util';
import { OrcaError } from '../core/errors.js';
import type { AcceptMode } from './messages.js';

export const CLI_FLAGS = [
  { flag: '-f FILE', help: 'configuration file (repeat for several, read in order)' },
  { flag: '-c', help: 'check the configuration and exit: 0 valid, 1 errors, 2 valid but no listener' },
  { flag: '--threads N', help: 'forwarder threads (default: nbthread from the config, else the CPU count)' },
  { flag: '--accept MODE', help: "'acceptor' (default: one thread accepts and hands fds over) or 'reuseport'" },
  { flag: '-db', help: 'foreground, the default (overrides -D and global daemon, as in HAProxy)' },
  { flag: '-D', help: 'daemon: detach, stdio on /dev/null; exit 0 once the daemon is ready, 1 with its alerts if it fails (as global daemon)' },
  { flag: '-W', help: 'master-worker: orcalb stays one process (its threads are the workers); SIGHUP then reloads as SIGUSR2 does (as global master-worker)' },
  { flag: '-Ws', help: '-W with systemd notify: READY=1 over $NOTIFY_SOCKET once the listeners are open, STOPPING=1 on stop; stays in the foreground (global daemon ignored)' },
  { flag: '-p FILE', help: 'write the PID to FILE at start, before the listeners open and the threads start; remove it at exit (as global pidfile; -p wins)' },
  { flag: '-sf PID...', help: 'take the listeners over from these processes, then soft-stop them (SIGUSR1) once ready' },
  { flag: '-st PID...', help: 'as -sf, but hard-stop them (SIGTERM)' },
  { flag: '-q', help: 'quiet: only alerts on stderr (as global quiet; haproxy -q hides its alerts too)' },
  { flag: '-V', help: 'verbose: every start message on stderr, over -q and global quiet' },
  { flag: '-N LIMIT', help: "default maxconn of the frontends that set none (HAProxy's default per-proxy maxconn)" },
  { flag: '-L NAME', help: "local peer name: this process's name in the `peers` sections (over `localpeer`; default: the host name)" },
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
  /** -D (true), -db (false: overrides the config's `daemon`), or undefined: the config decides. */
  readonly daemon?: boolean;
  /** -W or -Ws. */
  readonly masterWorker: boolean;
  /** -Ws: sd_notify over $NOTIFY_SOCKET. */
  readonly systemd: boolean;
  readonly pidfile?: string;
  /** -q (true), -V (false), or undefined: the config's `quiet` decides. */
  readonly quiet?: boolean;
  readonly defaultMaxconn?: number;
  readonly localPeer?: string;
  /** -sf / -st: the processes to take the listeners from, and how to stop them once ready. */
  readonly oldPids: readonly number[];
  readonly oldStop: 'soft' | 'hard';
}

/** HAProxy's single-dash words node's parser would split into letters (-db as -d -b): read before parseArgs. */
const WORDS = new Set(['-db', '-Ws', '-sf', '-st']);

/** HAProxy flags orcalb has no use for, refused with the reason (Debian's unit passes `-S` in EXTRAOPTS). */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ['-S', "haproxy's master CLI: orcalb has no master process; use a `stats socket` in global (the runtime API)"],
  ['-x', 'orcalb takes the listening sockets from the -sf/-st process itself; no expose-fd socket is needed'],
]);

/** Parses argv (without node and script). Throws OrcaError ORCA_CLI_USAGE with a one-line reason. */
export function parseCli(argv: readonly string[]): CliOptions {
  const args: string[] = [];
  const words = new Set<string>();
  const oldPids: number[] = [];
  let oldStop: 'soft' | 'hard' = 'soft';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const refused = REFUSED.get(a);
    if (refused !== undefined) throw new OrcaError('ORCA_CLI_USAGE', `${a}: ${refused}`);
    if (!WORDS.has(a)) {
      args.push(a);
      continue;
    }
    words.add(a);
    if (a !== '-sf' && a !== '-st') continue;
    oldStop = a === '-st' ? 'hard' : 'soft';
    // HAProxy reads PIDs up to the next flag; none at all is allowed (`-sf $(cat pidfile)` with no file yet).
    while (i + 1 < argv.length && !(argv[i + 1] ?? '-').startsWith('-')) {
      const word = argv[++i] ?? '';
      const pid = Number(word);
      if (!/^\d+$/.test(word) || !Number.isSafeInteger(pid) || pid < 1) {
        throw new OrcaError('ORCA_CLI_USAGE', `${a}: expected process IDs, got '${word}'`);
      }
      oldPids.push(pid);
    }
  }
  if (words.has('-sf') && words.has('-st')) throw new OrcaError('ORCA_CLI_USAGE', '-sf and -st cannot be used together');
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
        daemon: { type: 'boolean', short: 'D' },
        'master-worker': { type: 'boolean', short: 'W' },
        pidfile: { type: 'string', short: 'p' },
        quiet: { type: 'boolean', short: 'q' },
        verbose: { type: 'boolean', short: 'V' },
        'default-maxconn': { type: 'string', short: 'N' },
        'local-peer': { type: 'string', short: 'L' },
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
  const threads = v.threads === undefined ? undefined : integerFlag('--threads', v.threads, 1, 256);
  const defaultMaxconn = v['default-maxconn'] === undefined ? undefined : integerFlag('-N', v['default-maxconn'], 1, 2 ** 31 - 1);
  const files = v.file ?? [];
  if (files.length === 0 && v.version !== true && v.help !== true) {
    throw new OrcaError('ORCA_CLI_USAGE', 'no configuration file: use -f FILE');
  }
  // As in HAProxy, -db wins over -D wherever it stands; -V over -q.
  const daemon = words.has('-db') ? false : v.daemon === true ? true : undefined;
  const quiet = v.verbose === true ? false : v.quiet === true ? true : undefined;
  return {
    files,
    check: v.check === true,
    ...(threads === undefined ? {} : { threads }),
    accept,
    version: v.version === true,
    help: v.help === true,
    ...(daemon === undefined ? {} : { daemon }),
    masterWorker: v['master-worker'] === true || words.has('-Ws'),
    systemd: words.has('-Ws'),
    ...(v.pidfile === undefined ? {} : { pidfile: v.pidfile }),
    ...(quiet === undefined ? {} : { quiet }),
    ...(defaultMaxconn === undefined ? {} : { defaultMaxconn }),
    ...(v['local-peer'] === undefined ? {} : { localPeer: v['local-peer'] }),
    oldPids,
    oldStop,
  };
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new OrcaError('ORCA_CLI_USAGE', `${flag}: expected an integer from ${min} to ${max}, got '${text}'`);
  }
  return n;
}

export function usage(): string {
  const width = Math.max(...CLI_FLAGS.map((f) => f.flag.length));
  const lines = CLI_FLAGS.map((f) => `  ${f.flag.padEnd(width)}  ${f.help}`);
  return `Usage: orcalb -f FILE [-f FILE ...] [options]\n${lines.join('\n')}\n`;
}
