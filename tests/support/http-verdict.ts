// Test support: a recording HTTP backend and a classifier that sends one raw request through a proxy (haproxy or
// orcalb) and says what the proxy did with it: refused (it answered 4xx/5xx itself), forwarded (the backend got
// bytes) or closed (it hung up without answering). Test-runner thread; 127.0.0.1 only.

import { connect, createServer, type Socket } from 'node:net';
import type { Verdict } from '../compat/http-malformed-corpus.js';

export interface HttpRecorder {
  readonly port: number;
  /**
   * Bytes (Latin-1) each backend connection received since `reset()`, in accept order; a connection that received
   * nothing since then is left out (a proxy may hold an idle connection open, or open one and send nothing).
   */
  received(): string[];
  /** Forgets what was received so far; connections still open are recorded afresh (a proxy may reuse them). */
  reset(): void;
  /** The raw response (Latin-1) sent once a head has arrived; default a 200 with `Connection: close`. */
  setAnswer(raw: string): void;
  /**
   * Replaces the fixed answer by `script`, called after every read on every connection (undefined restores the fixed
   * answer). For servers that answer several requests on one connection, dribble, or answer early.
   */
  setScript(script: RecorderScript | undefined): void;
  close(): Promise<void>;
}

/** One backend connection as a RecorderScript sees it. */
export interface RecorderConn {
  readonly socket: Socket;
  /** Everything this connection received so far (Latin-1). */
  readonly received: string;
  /** Free for the script: e.g. how many requests it answered on this connection. */
  answered: number;
}

export type RecorderScript = (conn: RecorderConn) => void;

/**
 * Request lines ("METHOD target HTTP/x.y", upper-case method) in what a backend received, in order: one per request
 * head. Not anchored to a line start: a request pipelined right after a body follows its last byte.
 */
export function requestLines(received: string): string[] {
  return [...received.matchAll(/([A-Z]+ [^ \r\n]+ HTTP\/\d\.\d)\r?\n/g)].map((m) => m[1] ?? '');
}

/**
 * A RecorderScript that answers every request head on a connection in turn with `answer(requestLine, index)`, and
 * ends the connection after an answer when `closeAfter` says so.
 */
export function answerEachRequest(
  answer: (requestLine: string, index: number) => string,
  closeAfter: (requestLine: string, index: number) => boolean = () => false,
): RecorderScript {
  return (c) => {
    const lines = requestLines(c.received);
    while (c.answered < lines.length) {
      const line = lines[c.answered] ?? '';
      const index = c.answered++;
      c.socket.write(Buffer.from(answer(line, index), 'latin1'));
      if (closeAfter(line, index)) c.socket.end();
    }
  };
}

const DEFAULT_ANSWER = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';

/**
 * A backend that records every byte and, once it has seen the end of a head (CRLFCRLF or LFLF), answers
 * `200` with `Connection: close` and a 2-byte body (or the answer set with `setAnswer`), then closes.
 */
export async function startHttpRecorder(): Promise<HttpRecorder> {
  let records: { bytes: string; socket: Socket }[] = [];
  let answer = DEFAULT_ANSWER;
  let script: RecorderScript | undefined;
  const live = new Set<Socket>();
  const server = createServer((sock) => {
    live.add(sock);
    let rec = { bytes: '', socket: sock };
    records.push(rec);
    // Everything the connection received (the script counts requests on it), whatever reset() did since.
    let all = '';
    let answered = false;
    const conn: RecorderConn = {
      socket: sock,
      get received() {
        return all;
      },
      answered: 0,
    };
    sock.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      all += text;
      // reset() may have replaced the record of this still-open connection.
      rec = records.find((r) => r.socket === sock) ?? rec;
      rec.bytes += text;
      if (script !== undefined) {
        if (!sock.destroyed) script(conn);
        return;
      }
      if (!answered && /\r?\n\r?\n/.test(rec.bytes)) {
        answered = true;
        // Let the body that came with the head arrive too before closing (the proxy sends it right after).
        sock.write(Buffer.from(answer, 'latin1'));
        setTimeout(() => sock.end(), 30);
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => live.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('recorder has no port');
  return {
    port: addr.port,
    received: () => records.filter((r) => r.bytes !== '').map((r) => r.bytes),
    reset: () => {
      records = records.filter((r) => live.has(r.socket)).map((r) => ({ bytes: '', socket: r.socket }));
    },
    setAnswer: (raw) => {
      answer = raw;
    },
    setScript: (next) => {
      script = next;
    },
    close: async () => {
      for (const s of live) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** True once `text` holds a whole response: head, then its Content-Length or chunked body, or none for 204/304. */
function answerComplete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = text.slice(0, end + 2);
  if (/^HTTP\/1\.[01] (204|304)/.test(head)) return true;
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) return text.endsWith('\r\n0\r\n\r\n');
  const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  return cl?.[1] !== undefined && text.length >= end + 4 + Number(cl[1]);
}

export interface ProxyOutcome {
  readonly verdict: Verdict;
  /** What the backend received (Latin-1, all connections joined) when forwarded. */
  readonly forwarded: string;
  /** The proxy's answer to the client, Latin-1. */
  readonly answer: string;
}

/**
 * Sends `raw` (Latin-1) in one write to 127.0.0.1:`proxyPort`, waits until the proxy closes or `timeoutMs` passes,
 * then classifies. The recorder is reset first, so run cases one at a time.
 */
export async function classifyThroughProxy(
  proxyPort: number,
  recorder: HttpRecorder,
  raw: string,
  timeoutMs = 3000,
): Promise<ProxyOutcome> {
  recorder.reset();
  const answer = await new Promise<string>((resolve) => {
    const sock = connect(proxyPort, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => sock.destroy(), timeoutMs);
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      // A keep-alive proxy holds the connection open after a complete answer: stop there instead of waiting.
      if (answerComplete(got)) sock.destroy();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.write(Buffer.from(raw, 'latin1'));
  });
  const forwarded = recorder.received().join('');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  let verdict: Verdict;
  if (forwarded.length > 0) verdict = { verdict: 'forwarded' };
  else if (status?.[1] !== undefined && Number(status[1]) >= 400) verdict = { verdict: 'refused', status: Number(status[1]) };
  else verdict = { verdict: 'closed' };
  return { verdict, forwarded, answer };
}
