// The client side of the memory probe (memory-probe.ts, a diagnostic preload): what each thread reports, and the
// one call that asks for it over the probe's 127.0.0.1 line protocol. No side effects on import, so tests and the
// bench runner can use it. Bench runner or test-runner main thread.

import { connect } from 'node:net';

/** The environment variable that makes the preload listen (0: any port, announced on stderr). */
export const MEMPROBE_PORT_ENV = 'ORCALB_MEMPROBE_PORT';
/** The stderr line with the port the probe listens on. */
export const MEMPROBE_LISTENING = /memprobe listening (\d+)/;

/** One thread's figures, in bytes. */
export interface ThreadMemory {
  readonly thread: number;
  /** 'main', 'forwarder', 'acceptor' or 'health-checker'. */
  readonly name: string;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly heapLimit: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly mallocedMemory: number;
  /** Committed size of the young generation (new space): what `maxYoungGenerationSizeMb` bounds. */
  readonly newSpace: number;
  readonly oldSpace: number;
  /** This thread's CPU time since it started, in µs (process.threadCpuUsage, Node ≥ 23.9). */
  readonly threadCpuUs: number;
  /** GC pauses of this thread's isolate since the probe loaded: scavenges (young) and the rest (major), count and ms. */
  readonly scavenges: number;
  readonly scavengeMs: number;
  readonly majorGcs: number;
  readonly majorGcMs: number;
  /** The longest GC pause since the probe loaded, and how many pauses took 2 ms or more (p99 hunting, issue 10). */
  readonly gcMaxMs: number;
  readonly gcOver2Ms: number;
  /** This thread's event-loop delay since the last `stats` (perf_hooks.monitorEventLoopDelay, 1 ms resolution), ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Present after a `snapshot` command: the file this thread wrote. */
  readonly snapshot?: string;
}


/**
 * Sends `stats`, `gc` (a memory-reducing full GC first: needs --expose-gc) or `snapshot DIR` to the probe on
 * 127.0.0.1:port and resolves with every thread's figures, the main thread's first. Rejects on a connection error,
 * an error reply, or no reply within timeoutMs.
 */
export function queryMemoryProbe(port: number, command: string, timeoutMs = 10_000): Promise<ThreadMemory[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let text = '';
    const done = (f: () => void): void => {
      clearTimeout(timer);
      sock.destroy();
      f();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`memory probe: no reply to ${command} within ${timeoutMs} ms`))), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('error', (e) => done(() => reject(e)));
    sock.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      const reply: unknown = JSON.parse(text.slice(0, nl));
      if (Array.isArray(reply)) done(() => resolve(reply as ThreadMemory[]));
      else done(() => reject(new Error(`memory probe: ${JSON.stringify(reply)}`)));
    });
    sock.write(`${command}\n`);
  });
}
