// A UNIX datagram log sink for tests (`log /path/to/sock local0`, what /dev/log is): Node's dgram has no AF_UNIX, so
// it is socat's UNIX-RECV (SOCK_DGRAM) printing each datagram on its stdout. pause() stops socat (SIGSTOP, by PID):
// the socket then stops being read and fills (net.unix.max_dgram_qlen datagrams), as a stalled syslog daemon does.
// Test-runner thread.

import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil, waitOn } from './wait.js';

export interface UnixDgramSink {
  readonly path: string;
  /** Everything received so far (each datagram ends with the LF haproxy/orcalb put there). */
  text(): string;
  waitFor(predicate: (text: string) => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Stops reading (SIGSTOP to socat): the socket's queue fills and senders get EAGAIN. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Binds a fresh socket path in a temp directory; resolves once it exists. Close it in `t.after`. */
export async function startUnixDgramSink(): Promise<UnixDgramSink> {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dgram-'));
  const path = join(dir, 'log.sock');
  const child = spawn('socat', ['-u', `UNIX-RECV:${path}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('socat: spawn failed');
  let text = '';
  const events = new EventEmitter();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    text += c;
    events.emit('data');
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  await pollUntil(() => existsSync(path), 5000, 'socat UNIX-RECV socket', 10);
  return {
    path,
    text: () => text,
    waitFor: (predicate, timeoutMs, what) => waitOn(events, 'data', () => predicate(text), timeoutMs, `unix dgram sink: ${what}`),
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    close: async () => {
      signal('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
