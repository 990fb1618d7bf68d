// Test support: the real haproxy 2.6.12 and orcalb (the CLI, two threads) started on the same mode-http config, each
// in front of its own recording backend (http-verdict.ts), and one raw exchange replayed against both, so a test
// compares what each client and each backend saw byte for byte. Test-runner thread; 127.0.0.1 only.

import { RawHttpConnection } from './http-client.js';
import { freeTcpPort } from './haproxy-process.js';
import { startHttpRecorder, type HttpRecorder, type RecorderScript } from './http-verdict.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess } from './lb-subject.js';
import { delay } from './wait.js';

/** One proxy of the pair: its frontend port and its own backend. */
export interface HttpSide {
  readonly name: 'haproxy' | 'orcalb';
  readonly port: number;
  readonly recorder: HttpRecorder;
}

export interface HttpPair {
  readonly sides: readonly [HttpSide, HttpSide];
  /** Sets the same backend script on both sides (undefined: the recorder's fixed answer). */
  setScript(script: RecorderScript | undefined): void;
  close(): Promise<void>;
}

export interface PairOptions {
  /** Lines added to the defaults section (a connection mode, timeouts). */
  readonly defaults?: readonly string[];
  /** Words added to haproxy's bind line only (e.g. `proto h1`: orcalb has no HTTP/2 to turn off). */
  readonly haproxyBind?: string;
}

function config(front: number, backend: number, options: PairOptions, bindExtra: string): string {
  return [
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 3s',
    '  timeout server 3s',
    ...(options.defaults ?? []),
    'frontend fe',
    `  bind 127.0.0.1:${front}${bindExtra}`,
    '  default_backend be',
    'backend be',
    `  server s1 127.0.0.1:${backend}`,
    '',
  ].join('\n');
}

/**
 * Starts haproxy and orcalb on the same config (later `timeout` lines in `defaults` override the 3 s ones), each with
 * a fresh recorder. Close it in `after`. Test-thread only.
 */
export async function startHttpPair(options: PairOptions = {}): Promise<HttpPair> {
  const recorders = await Promise.all([startHttpRecorder(), startHttpRecorder()]);
  const ports = [await freeTcpPort(), await freeTcpPort()];
  const procs: LbProcess[] = [];
  try {
    const [haRec, orcaRec] = recorders;
    const [haPort, orcaPort] = ports;
    if (haRec === undefined || orcaRec === undefined || haPort === undefined || orcaPort === undefined) throw new Error('pair setup');
    const extra = options.haproxyBind === undefined ? '' : ` ${options.haproxyBind}`;
    procs.push(await HAPROXY_SUBJECT.start(config(haPort, haRec.port, options, extra), haPort));
    procs.push(await ORCALB_SUBJECT.start(config(orcaPort, orcaRec.port, options, ''), orcaPort));
    const sides: [HttpSide, HttpSide] = [
      { name: 'haproxy', port: haPort, recorder: haRec },
      { name: 'orcalb', port: orcaPort, recorder: orcaRec },
    ];
    return {
      sides,
      setScript: (script) => {
        for (const r of recorders) r.setScript(script);
      },
      close: async () => {
        await Promise.all(procs.map((p) => p.stop()));
        await Promise.all(recorders.map((r) => r.close()));
      },
    };
  } catch (e) {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(recorders.map((r) => r.close()));
    throw e;
  }
}

/** What one client saw and what its backend received. */
export interface ExchangeResult {
  /** Everything the client received (Latin-1). */
  readonly answer: string;
  /** The proxy closed the client connection within the time allowed. */
  readonly closed: boolean;
  /** What each backend connection received, in accept order (Latin-1). */
  readonly backend: readonly string[];
}

export interface ExchangeOptions {
  /** How long to read after the last write (default 2000 ms); reading stops earlier on a close or on `done`. */
  readonly readMs?: number;
  /** The exchange is over once the client holds these bytes. */
  readonly done?: (answer: string) => boolean;
}

/**
 * Opens a client connection to `side`, writes each string of `steps` (Latin-1) and waits each number (ms) between
 * them, then reads as ExchangeOptions says. The side's recorder is reset first: run one exchange per side at a time.
 */
export async function exchange(side: HttpSide, steps: readonly (string | number)[], options: ExchangeOptions = {}): Promise<ExchangeResult> {
  side.recorder.reset();
  const c = await RawHttpConnection.open(side.port);
  try {
    const reading = (async () => {
      // Collect from the first byte on, even while the later steps are still being written.
      let answer = '';
      let closed = false;
      for (const step of steps) {
        if (typeof step === 'number') {
          const got = await c.readUntil(step, () => false);
          answer += got.bytes;
          closed ||= got.closed;
        } else if (!closed) {
          c.write(Buffer.from(step, 'latin1'));
        }
      }
      const rest = closed ? { bytes: '', closed } : await c.readUntil(options.readMs ?? 2000, (b) => options.done?.(answer + b) === true);
      return { answer: answer + rest.bytes, closed: closed || rest.closed };
    })();
    const { answer, closed } = await reading;
    // Bytes a proxy forwards after the answer (a body still flowing after an early answer) land in the same event loop
    // turn or the next: a short grace before reading the record, bounded, instead of a condition nobody signals.
    await delay(20);
    return { answer, closed, backend: side.recorder.received() };
  } finally {
    c.destroy();
  }
}

/** Runs the same exchange against both sides at once (each side has its own recorder). */
export async function exchangeBoth(pair: HttpPair, steps: readonly (string | number)[], options: ExchangeOptions = {}): Promise<[ExchangeResult, ExchangeResult]> {
  const [ha, orca] = pair.sides;
  return Promise.all([exchange(ha, steps, options), exchange(orca, steps, options)]);
}
