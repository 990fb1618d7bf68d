// `option httpchk` + `http-check send|expect` (manual §4.2): one HTTP request per check over a fresh connection,
// judged as HAProxy 2.6 judges it: 2xx/3xx by default, or `expect [!] status|rstatus|string|rstring`, with its
// statuses and info texts (L7OK/L7STS/L7RSP/L7TOUT, verified against /usr/sbin/haproxy). The response is read with
// the HTTP/1 codec the forwarders use (core/http1/), as HAProxy's checks go through its H1 parser. Health-check thread.

import { performance } from 'node:perf_hooks';
import type { HttpCheckConfig, ServerConfig } from '../../config/model.js';
import { CHECK_STATUS } from './check-status.js';
import { BodyCollector } from '../http1/body-collector.js';
import { responseFraming } from '../http1/framing.js';
import { parseResponseHead, type ResponseHead } from '../http1/parser.js';
import { httpCheckRequest } from './http-check-request.js';
import {
  checkEndpoint,
  checkProxyHeader,
  proxyAfterConnect,
  closeCheckSocket,
  connectCheckSocket,
  errnoText,
  type ProbeResult,
} from './probe-tcp.js';
import type { CheckDeadlines } from './scheduler.js';
import { CheckStream, Deadline } from './tcp-check-stream.js';

type CheckedServer = Pick<ServerConfig, 'address' | 'port' | 'checkAddr' | 'checkPort' | 'checkSendProxy' | 'sendProxy' | 'proxyV2Ssl' | 'checkTls'>;
type Expect = NonNullable<HttpCheckConfig['expect']>;

/** HAProxy's texts for a failed content expectation (tcpcheck.c), logged as L7RSP info. */
export const HTTP_CONTENT_MISMATCH = 'HTTP content check did not match';
export const HTTP_CONTENT_UNWANTED = 'HTTP check matched unwanted content';
export const HTTP_CONTENT_NO_BODY = 'HTTP content check could not find a response body';

/**
 * `expect status` patterns: a code, or a comma-separated list of codes and `low-high` ranges (`200,404,500-599`).
 * Returns a predicate on the status. Pure; a piece that is not a number matches nothing.
 */
export function statusMatcher(pattern: string): (status: number) => boolean {
  const ranges = pattern.split(',').map((piece): [number, number] => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(piece);
    if (m === null) return [1, 0];
    const low = Number(m[1]);
    return [low, m[2] === undefined ? low : Number(m[2])];
  });
  return (status) => ranges.some(([low, high]) => status >= low && status <= high);
}

const regexCache = new Map<string, RegExp>();

function regexOf(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      // The config validator rejects bad regexes; one that slips through never matches.
      re = /(?!)/;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/** True when the expectation is judged on the status line alone (no body needed). */
function judgesStatus(expect: Expect | undefined): boolean {
  return expect === undefined || expect.match === 'status' || expect.match === 'rstatus';
}

/**
 * The verdict on a complete enough response (HAProxy tcpcheck_eval_expect_http). Status expectations fail with
 * L7STS, the code and the reason phrase as info; content expectations fail with L7RSP and HAProxy's fixed texts,
 * and always on an empty body, negated or not (measured on 2.6.12); a pass is L7OK with the code and no info. `rstatus` searches the status digits as received ("099" stays "099").
 * Pure.
 */
export function judgeHttpResponse(expect: Expect | undefined, head: ResponseHead, body: Buffer): ProbeResult {
  const passed = { status: CHECK_STATUS.L7OK, info: '', code: head.status };
  const wrongStatus = { status: CHECK_STATUS.L7STS, info: head.reason, code: head.status };
  if (expect === undefined) return head.status >= 200 && head.status < 400 ? passed : wrongStatus;
  if (!judgesStatus(expect) && body.length === 0) return { status: CHECK_STATUS.L7RSP, info: HTTP_CONTENT_NO_BODY, code: head.status };
  let matched: boolean;
  switch (expect.match) {
    case 'status':
      matched = statusMatcher(expect.pattern)(head.status);
      break;
    case 'rstatus':
      // Searched, not anchored: `rstatus 0` matches 200.
      matched = regexOf(expect.pattern).test(head.statusText ?? String(head.status));
      break;
    case 'string':
      matched = body.indexOf(Buffer.from(expect.pattern, 'utf8')) >= 0;
      break;
    case 'rstring':
      matched = regexOf(expect.pattern).test(body.toString('latin1'));
      break;
  }
  if (matched !== expect.negate) return passed;
  if (judgesStatus(expect)) return wrongStatus;
  return { status: CHECK_STATUS.L7RSP, info: expect.negate ? HTTP_CONTENT_UNWANTED : HTTP_CONTENT_MISMATCH, code: head.status };
}

/**
 * Runs one HTTP check against `server`. Never rejects. L4CON/L4TOUT on connect; SOCKERR on a socket error before
 * any response byte; L7RSP for a response that is not HTTP or is cut short (no info, as HAProxy); L7TOUT when the
 * deadline passes once connected; otherwise judgeHttpResponse(). At most `bufsize` response bytes are read: a
 * content expectation judges what fits, as HAProxy's check buffer does.
 */
export async function probeHttp(
  cfg: HttpCheckConfig,
  server: CheckedServer,
  deadlines: CheckDeadlines,
  bufsize: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const startedAt = performance.now();
  const conn = await connectCheckSocket(checkEndpoint(server), deadlines.connectMs, signal);
  if (!conn.ok) return { status: conn.status, info: conn.errText };
  const socket = conn.socket;
  const stream = new CheckStream(socket);
  const deadline = new Deadline(signal);
  // Without `timeout check`, the `inter` started at connect time keeps bounding the whole exchange.
  deadline.set(deadlines.afterConnectMs === undefined ? startedAt + deadlines.connectMs : performance.now() + deadlines.afterConnectMs);
  try {
    const request = httpCheckRequest(cfg);
    const out = proxyAfterConnect(server)
      ? Buffer.concat([checkProxyHeader(socket, server), request])
      : request;
    const sent = await deadline.race(stream.write(out));
    if (sent === 'timeout') return { status: CHECK_STATUS.L7TOUT, info: '' };
    if (sent !== undefined) return { status: CHECK_STATUS.SOCKERR, info: errnoText(sent) };
    return await readVerdict(cfg, stream, deadline, bufsize);
  } catch (err) {
    // Only a caller bug gets here (e.g. an address the PROXY encoder refuses): the check fails, the thread lives.
    return { status: CHECK_STATUS.SOCKERR, info: err instanceof Error ? err.message : '' };
  } finally {
    closeCheckSocket(socket, false);
  }
}

// What HAProxy calls a check response it cannot parse (L7RSP, no info).
const INVALID: ProbeResult = { status: CHECK_STATUS.L7RSP, info: '' };

/**
 * Reads the response with the codec's parseResponseHead (re-run on the grown buffer until the head is complete), its
 * framing (responseFraming) and a BodyCollector, within `bufsize` bytes. A malformed head, framing or body is L7RSP,
 * as in HAProxy, whose H1 parser fails the check on it even when the expectation needs only the status, so the body
 * bytes that came with the head are decoded before the status is judged. (A bad trailer section after the data is
 * L7RSP here; haproxy 2.6.12 gives L7RSP or L7OK for it depending on how the bytes arrive, measured.)
 */
async function readVerdict(cfg: HttpCheckConfig, stream: CheckStream, deadline: Deadline, bufsize: number): Promise<ProbeResult> {
  const method = cfg.method.toUpperCase();
  const limits = { maxHeadBytes: bufsize };
  let buf: Buffer = Buffer.alloc(0);
  let head: ResponseHead | undefined;
  let body: BodyCollector | undefined;
  let read = 0;
  for (;;) {
    const got = await deadline.race(stream.readable());
    if (got === 'timeout') return { status: CHECK_STATUS.L7TOUT, info: '' };
    const fresh = stream.take(bufsize - read);
    read += fresh.length;
    const last = stream.ended || stream.error !== undefined || read >= bufsize;
    if (read === 0 && stream.error !== undefined) return { status: CHECK_STATUS.SOCKERR, info: errnoText(stream.error) };
    if (head === undefined || body === undefined) {
      const first = buf.length === 0;
      if (fresh.length > 0) buf = first ? fresh : Buffer.concat([buf, fresh]);
      // A head ends at a LF: re-parse only when one came (as the forwarders do), or on the first bytes (so garbage
      // fails at once), or at the end. A server dribbling its head a byte at a time then costs one parse per line.
      if (!first && !last && fresh.indexOf(0x0a) < 0) continue;
      const step = parseResponseHead(buf, limits);
      if (step.kind === 'error') return INVALID;
      if (step.kind === 'incomplete') {
        if (last) return INVALID;
        continue;
      }
      head = step.head;
      const framing = responseFraming(head, method);
      if (framing.kind === 'error') return INVALID;
      body = new BodyCollector(framing);
      body.push(buf.subarray(step.length));
      buf = Buffer.alloc(0);
    } else {
      body.push(fresh);
    }
    if (body.error !== undefined) return INVALID;
    if (judgesStatus(cfg.expect)) return judgeHttpResponse(cfg.expect, head, Buffer.alloc(0));
    // A content check waits for the whole body, unless the server ended or the check buffer is full.
    if (body.complete || last) return judgeHttpResponse(cfg.expect, head, body.payload());
  }
}
