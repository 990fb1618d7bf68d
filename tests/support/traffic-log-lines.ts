// Traffic log lines (option tcplog / option httplog, manual §8.2.2-8.2.3) cut into their fields with what differs
// between two runs of the same traffic masked (the client port, the dates, the timers' values but not a -1), so
// haproxy's and orcalb's lines compare field by field; and the connect-and-close client dontlognull is about.
// Test-runner thread.

import { connect } from 'node:net';
import type { SyslogReceiver } from './syslog-receiver.js';

/**
 * A timer list (`1/0/504`) with each measured value masked as `N`; -1 (a phase never reached) stays, and so does the
 * `+` of option logasap (`+N`).
 */
function maskTimes(times: string): string {
  return times
    .split('/')
    .map((v) => (v.startsWith('-') || v.startsWith('+-') ? v : v.startsWith('+') ? '+N' : 'N'))
    .join('/');
}

export interface TcplogFields {
  readonly pri: string;
  readonly client: string;
  readonly frontend: string;
  readonly server: string;
  readonly times: string;
  readonly bytes: string;
  readonly state: string;
  readonly counters: string;
  readonly queues: string;
}

const TCPLOG = /^<(\d+)> (\S+):\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] (\S+) (\S+) (\S+) (\+?\d+) (\S\S) (\S+) (\S+)$/;

/** `<pri> text` of a tcplog line → its fields; throws on anything else (the test then shows the line). */
export function tcplogFields(line: string): TcplogFields {
  const m = TCPLOG.exec(line);
  if (m === null) throw new Error(`not a tcplog line: ${JSON.stringify(line)}`);
  return {
    pri: m[1] ?? '',
    client: m[2] ?? '',
    frontend: m[3] ?? '',
    server: m[4] ?? '',
    times: maskTimes(m[5] ?? ''),
    bytes: m[6] ?? '',
    state: m[7] ?? '',
    counters: m[8] ?? '',
    queues: m[9] ?? '',
  };
}

export interface HttplogFields extends TcplogFields {
  readonly status: string;
  readonly cookies: string;
  /** `{…} {…} ` captures and the quoted request line, as written. */
  readonly rest: string;
}

const HTTPLOG =
  /^<(\d+)> (\S+):\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] (\S+) (\S+) (\S+) (-?\d+) (\+?\d+) (\S+ \S+) (\S{4}) (\S+) (\S+) ?(.*)$/;

/** `<pri> text` of an httplog line → its fields (state is the 4-char %tsc); throws on anything else. */
export function httplogFields(line: string): HttplogFields {
  const m = HTTPLOG.exec(line);
  if (m === null) throw new Error(`not an httplog line: ${JSON.stringify(line)}`);
  return {
    pri: m[1] ?? '',
    client: m[2] ?? '',
    frontend: m[3] ?? '',
    server: m[4] ?? '',
    times: maskTimes(m[5] ?? ''),
    status: m[6] ?? '',
    bytes: m[7] ?? '',
    cookies: m[8] ?? '',
    state: m[9] ?? '',
    counters: m[10] ?? '',
    queues: m[11] ?? '',
    rest: m[12] ?? '',
  };
}

/**
 * Connects to 127.0.0.1:port, sends `data` if any, half-closes and resolves once the balancer closed too (at most
 * timeoutMs). With no data: the null connection `option dontlognull` leaves out of the logs.
 */
export function connectAndClose(port: number, data?: string, timeoutMs = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect-and-close: 127.0.0.1:${port} still open after ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.once('connect', () => {
      if (data !== undefined) s.write(data);
      s.end();
    });
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The traffic lines a sink got so far, as `<pri> text` (not the start-up or health-check lines). */
export function trafficLines(syslog: SyslogReceiver): string[] {
  return syslog
    .messages()
    .filter((m) => m.tag === 'haproxy' && /^\d+\.\d+\.\d+\.\d+:\d+ \[/.test(m.text))
    .map((m) => `<${m.pri}> ${m.text}`);
}

/** Waits for traffic line number `n` (from 1) of the run named `name` and returns it. */
export async function trafficLine(run: { readonly name: string; readonly syslog: SyslogReceiver }, n: number, what: string): Promise<string> {
  await run.syslog.waitFor(() => trafficLines(run.syslog).length >= n, 8000, `${run.name}: ${what}`);
  return trafficLines(run.syslog)[n - 1] ?? '';
}
