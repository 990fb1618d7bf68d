// `option dolphindb-check [user U password P] [script S]` (orcalb's own, named like HAProxy's mysql-check): connect
// (PROXY header first when the server line asks), log in, run the script with the urgent flag, expect `OK` and an
// object (protocol notes §9 "Health checks that log in"); optionally read getPerf() on the same connection for
// `balance dolphindb-load`. Runs on the health-check thread.

import { performance } from 'node:perf_hooks';
import type { DolphinDbCheckConfig, ServerConfig } from '../../config/model.js';
import type { DdbObject } from '../dolphindb/objects.js';
import { formatObject } from '../dolphindb/object-text.js';
import { readPerfDict } from '../dolphindb/perf-dict.js';
import { ReplyParser, type DdbReply } from '../dolphindb/wire-reply.js';
import { encodeRequest, type DdbRequestBody } from '../dolphindb/wire-request.js';
import { CHECK_STATUS } from './check-status.js';
import {
  checkEndpoint, checkProxyHeader, proxyAfterConnect, closeCheckSocket, connectCheckSocket, errnoText, type ProbeResult,
} from './probe-tcp.js';
import type { CheckDeadlines } from './scheduler.js';
import { CheckStream, Deadline } from './tcp-check-stream.js';

type CheckedServer = Pick<ServerConfig, 'address' | 'port' | 'checkAddr' | 'checkPort' | 'checkSendProxy' | 'sendProxy' | 'proxyV2Ssl' | 'checkTls'>;

/**
 * Request options of every check request: flag 1 (urgent) and priority 8, as the JS client and the web console use
 * for their own urgent calls, so a check does not queue behind users' jobs on a busy node.
 */
export const CHECK_REQUEST_OPTIONS = '1_1_8_64';

/** The script `option dolphindb-check` runs when none is given. */
export const DEFAULT_CHECK_SCRIPT = 'version()';

/** What a getPerf() reading gave: the figures by key, or why there are none. */
export type PerfReading =
  | { readonly ok: true; readonly figures: ReadonlyMap<string, number> }
  | { readonly ok: false; readonly reason: string };

/** A check result, plus the load reading when one was asked for. */
export interface DolphinDbProbeResult extends ProbeResult {
  readonly perf?: PerfReading;
}

/** One exchange's outcome: a reply, or the ProbeResult that ends the check. */
type Exchange = { readonly ok: true; readonly reply: DdbReply } | { readonly ok: false; readonly result: ProbeResult };

/**
 * One check connection speaking the binary API: strictly one request in flight (protocol notes §9), `MSG` chunks
 * skipped, the session id of each reply carried to the next request.
 */
class CheckSession {
  readonly #stream: CheckStream;
  readonly #deadline: Deadline;
  readonly #parser = new ReplyParser();
  #sid = '0';
  #step = 0;
  /** Who speaks, for the texts that say where an exchange failed: `dolphindb-check`, `dolphindb-discovery`. */
  readonly #label: string;

  constructor(stream: CheckStream, deadline: Deadline, label: string) {
    this.#stream = stream;
    this.#deadline = deadline;
    this.#label = label;
  }

  /** Sends `body` (after `prefix`, e.g. a PROXY header) and waits for its reply. Never rejects. */
  async call(body: DdbRequestBody, what: string, prefix?: Buffer): Promise<Exchange> {
    this.#step++;
    const at = ` at step ${this.#step} of ${this.#label} (${what})`;
    const request = encodeRequest(this.#sid, body, { api: 'API2', options: CHECK_REQUEST_OPTIONS });
    const sent = await this.#deadline.race(this.#stream.write(prefix === undefined ? request : Buffer.concat([prefix, request])));
    if (sent === 'timeout') return { ok: false, result: { status: CHECK_STATUS.L7TOUT, info: at.trimStart() } };
    if (sent !== undefined) return { ok: false, result: { status: CHECK_STATUS.SOCKERR, info: errnoText(sent) + at } };
    for (;;) {
      const step = this.#parser.next();
      if (step.kind === 'message') continue;
      if (step.kind === 'reply') {
        this.#sid = step.reply.sessionId;
        return { ok: true, reply: step.reply };
      }
      if (step.kind === 'error') return { ok: false, result: { status: CHECK_STATUS.L7RSP, info: step.error.message + at } };
      const s = this.#stream;
      if (s.error !== undefined) return { ok: false, result: { status: CHECK_STATUS.SOCKERR, info: errnoText(s.error) + at } };
      if (s.ended) return { ok: false, result: { status: CHECK_STATUS.L7RSP, info: `connection closed before a complete reply${at}` } };
      const got = await this.#deadline.race(s.readable());
      if (got === 'timeout') return { ok: false, result: { status: CHECK_STATUS.L7TOUT, info: at.trimStart() } };
      const fresh = s.take(Number.MAX_SAFE_INTEGER);
      if (fresh.length > 0) this.#parser.push(fresh);
    }
  }
}

function connectBody(login: Pick<DolphinDbCheckConfig, 'user' | 'password'>): DdbRequestBody {
  if (login.user === undefined) return { kind: 'connect' };
  // The python-sdk form: log in inside `connect`, credentials in clear (`false`), one round trip.
  return { kind: 'connect', login: { user: login.user, password: login.password ?? '', encrypted: false } };
}

/** A short text for the log's `info:` on success: the script's value (e.g. the version string). */
function objectInfo(reply: Extract<DdbReply, { kind: 'ok' }>): string {
  if (reply.object === undefined) return '';
  try {
    return formatObject(reply.object).replace(/\s+/g, ' ').slice(0, 100);
  } catch {
    return '';
  }
}

/** A reading that did not happen, and why (the node's own text when it refused). */
type NoReading = { readonly ok: false; readonly reason: string };

/** A failed exchange as a reading's reason: the check status and its detail. Pure. */
function noReading(r: ProbeResult): NoReading {
  return { ok: false, reason: `${r.status.desc}${r.info === '' ? '' : `: ${r.info}`}` };
}

/** getPerf() on an open session: the figures, or why not. Never rejects. */
async function readPerf(session: CheckSession): Promise<PerfReading> {
  const perf = await session.call({ kind: 'script', script: 'getPerf()' }, 'getPerf');
  if (!perf.ok) return noReading(perf.result);
  if (perf.reply.kind === 'error') return { ok: false, reason: perf.reply.message };
  const figures = readPerfDict(perf.reply.object);
  return figures === undefined ? { ok: false, reason: 'getPerf() did not answer a dictionary' } : { ok: true, figures };
}

/**
 * Opens a check connection and runs `body` on it with the session open; closes it afterwards. L4CON/L4TOUT when
 * the connect fails. Never rejects.
 */
async function withSession<T>(
  server: CheckedServer,
  deadlines: CheckDeadlines,
  signal: AbortSignal | undefined,
  failed: (r: ProbeResult) => T,
  body: (session: CheckSession, proxy: Buffer | undefined) => Promise<T>,
  label = 'dolphindb-check',
): Promise<T> {
  const startedAt = performance.now();
  const conn = await connectCheckSocket(checkEndpoint(server), deadlines.connectMs, signal);
  if (!conn.ok) return failed({ status: conn.status, info: conn.errText });
  const socket = conn.socket;
  const deadline = new Deadline(signal);
  // Without `timeout check`, the `inter` started at connect time keeps bounding the whole exchange.
  deadline.set(deadlines.afterConnectMs === undefined ? startedAt + deadlines.connectMs : performance.now() + deadlines.afterConnectMs);
  try {
    const proxy = proxyAfterConnect(server) ? checkProxyHeader(socket, server) : undefined;
    return await body(new CheckSession(new CheckStream(socket), deadline, label), proxy);
  } catch (err) {
    // Only a caller bug gets here (e.g. an address the PROXY encoder refuses): the check fails, the thread lives.
    return failed({ status: CHECK_STATUS.SOCKERR, info: err instanceof Error ? err.message : '' });
  } finally {
    closeCheckSocket(socket, false);
  }
}

/**
 * The DolphinDB check. Outcomes: L4CON/L4TOUT on connect; L7RSP with the node's own error text as info when the
 * login or the script is refused (wrong password, `…RefId:S00006` past maxConnections, `<DataNodeNotAvail>…`,
 * `<DataNodeNotReady>…`), or with a protocol text (reply cut short, no object, bad framing); L7TOUT `at step N of
 * dolphindb-check (…)`; SOCKERR on a reset; L7OK with code 0 and the script's value as info. With `withPerf`,
 * getPerf() is read after a passed check on the same connection (its failure never fails the check). Never rejects.
 */
export function probeDolphinDb(
  cfg: DolphinDbCheckConfig,
  server: CheckedServer,
  deadlines: CheckDeadlines,
  signal?: AbortSignal,
  withPerf = false,
): Promise<DolphinDbProbeResult> {
  const fail = (r: ProbeResult, why?: string): DolphinDbProbeResult =>
    withPerf ? { ...r, perf: { ok: false, reason: why ?? `check failed: ${r.status.desc}` } } : r;
  return withSession(server, deadlines, signal, fail, async (session, proxy) => {
    const login = await session.call(connectBody(cfg), cfg.user === undefined ? 'connect' : 'login', proxy);
    if (!login.ok) return fail(login.result);
    if (login.reply.kind === 'error') return fail({ status: CHECK_STATUS.L7RSP, info: login.reply.message });
    const script = cfg.script === '' ? DEFAULT_CHECK_SCRIPT : cfg.script;
    const run = await session.call({ kind: 'script', script }, 'script');
    if (!run.ok) return fail(run.result);
    if (run.reply.kind === 'error') return fail({ status: CHECK_STATUS.L7RSP, info: run.reply.message });
    if (run.reply.object === undefined) {
      return fail({ status: CHECK_STATUS.L7RSP, info: `no object in the reply to '${script.slice(0, 40)}' at step 2 of dolphindb-check (script)` });
    }
    const passed = { status: CHECK_STATUS.L7OK, info: objectInfo(run.reply), code: 0 };
    return withPerf ? { ...passed, perf: await readPerf(session) } : passed;
  });
}


/**
 * Opens a short connection, logs in with `login` and runs `body` on the open session; every failure before the body
 * is a NoReading (connect, login refused, protocol). Never rejects.
 */
function afterLogin<T>(
  login: Pick<DolphinDbCheckConfig, 'user' | 'password'>,
  server: CheckedServer,
  deadlines: CheckDeadlines,
  signal: AbortSignal | undefined,
  body: (session: CheckSession) => Promise<T | NoReading>,
  label?: string,
): Promise<T | NoReading> {
  return withSession<T | NoReading>(server, deadlines, signal, noReading, async (session, proxy) => {
    const opened = await session.call(connectBody(login), login.user === undefined ? 'connect' : 'login', proxy);
    if (!opened.ok) return noReading(opened.result);
    if (opened.reply.kind === 'error') return { ok: false, reason: opened.reply.message };
    return body(session);
  }, label);
}

/**
 * A load reading on its own short connection (for `balance dolphindb-load` when the backend's check is not
 * dolphindb-check): connect with the same login, getPerf(), close. Never rejects.
 */
export function readDolphinDbLoad(
  login: Pick<DolphinDbCheckConfig, 'user' | 'password'>,
  server: CheckedServer,
  deadlines: CheckDeadlines,
  signal?: AbortSignal,
): Promise<PerfReading> {
  return afterLogin(login, server, deadlines, signal, readPerf);
}

/** What one script gave on a short connection: its object, or why not (the node's own error text when it refused). */
export type ScriptReading = { readonly ok: true; readonly object: DdbObject | undefined } | NoReading;

/**
 * Runs `script` on its own short connection to `server` after logging in with `login` (dolphindb-discovery reads
 * the controller's getClusterPerf() so, core/dolphindb/discovery-controller.ts). Never rejects.
 */
export function runDolphinDbScript(
  login: Pick<DolphinDbCheckConfig, 'user' | 'password'>,
  server: CheckedServer,
  deadlines: CheckDeadlines,
  script: string,
  signal?: AbortSignal,
): Promise<ScriptReading> {
  return afterLogin(login, server, deadlines, signal, async (session) => {
    const run = await session.call({ kind: 'script', script }, 'script');
    if (!run.ok) return noReading(run.result);
    if (run.reply.kind === 'error') return { ok: false, reason: run.reply.message };
    return { ok: true, object: run.reply.object };
  }, 'dolphindb-discovery');
}
