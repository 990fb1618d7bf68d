// A UDP syslog receiver on 127.0.0.1 for side-by-side log tests: keeps each RFC 3164 datagram as its priority, its
// tag (haproxy / orcalb) and its message text, so two programs' lines compare without dates and pids, and every
// datagram as received (any header format: rfc5424, short, raw…) for byte comparisons.
// Test-runner thread.

import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { waitOn } from './wait.js';

export interface SyslogMessage {
  /** facility × 8 + severity, as sent. */
  readonly pri: number;
  readonly tag: string;
  readonly text: string;
}

export interface SyslogReceiver {
  readonly port: number;
  messages(): readonly SyslogMessage[];
  /** Every datagram as received, whatever its format, in arrival order. */
  datagrams(): readonly string[];
  /** Resolves once `predicate` holds over datagrams() (re-checked on each datagram); rejects after timeoutMs. */
  waitForDatagrams(predicate: (all: readonly string[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Resolves once `predicate` holds over the messages so far (re-checked on each datagram); rejects after timeoutMs. */
  waitFor(predicate: (all: readonly SyslogMessage[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/** `<133>Nov 25 06:39:01 haproxy[42]: text` → { pri: 133, tag: 'haproxy', text }; undefined for anything else. */
export function parseSyslog(datagram: string): SyslogMessage | undefined {
  const m = /^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+?)\[\d+\]: (.*?)\n?$/s.exec(datagram);
  return m === null ? undefined : { pri: Number(m[1]), tag: m[2] ?? '', text: m[3] ?? '' };
}

/** Listens on 127.0.0.1, port 0. Close it with `close()` (in `t.after`). */
export async function startSyslogReceiver(): Promise<SyslogReceiver> {
  const sock = createSocket('udp4');
  const got: SyslogMessage[] = [];
  const raw: string[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  sock.on('message', (buf) => {
    const text = buf.toString('utf8');
    raw.push(text);
    events.emit('datagram');
    const m = parseSyslog(text);
    if (m === undefined) return;
    got.push(m);
    events.emit('message');
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    port: sock.address().port,
    messages: () => got,
    waitFor: (predicate, timeoutMs, what) =>
      waitOn(events, 'message', () => predicate(got), timeoutMs, `syslog: ${what}`).catch((err: unknown) => {
        // What did arrive is the clue when the awaited message did not.
        const seen = got.map((m) => `<${m.pri}> ${m.tag}: ${m.text}`).join('\n');
        throw new Error(`${err instanceof Error ? err.message : String(err)}; got:\n${seen}`);
      }),
    datagrams: () => raw,
    waitForDatagrams: (predicate, timeoutMs, what) =>
      waitOn(events, 'datagram', () => predicate(raw), timeoutMs, `syslog: ${what}`).catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}; got:\n${raw.join('')}`);
      }),
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}
