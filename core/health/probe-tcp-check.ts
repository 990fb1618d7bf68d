// `option tcp-check` (manual §4.2 tcp-check connect/send/send-binary/expect): runs the rule list over one or more
// check connections and reports HAProxy 2.6's statuses and info texts (src/tcpcheck.c: step numbers, "TCPCHK did not
// match content 'x' at step N", waiting for more data before judging an expect). Runs on the health-check thread.

import { performance } from 'node:perf_hooks';
import type net from 'node:net';
import type { ServerConfig, TcpCheckRule } from '../../config/model.js';
import { CHECK_STATUS } from './check-status.js';
import {
  checkEndpoint,
  type CheckEndpoint,
  checkProxyHeader,
  proxyAfterConnect,
  closeCheckSocket,
  connectCheckSocket,
  errnoText,
  type ProbeResult,
} from './probe-tcp.js';
import type { CheckDeadlines } from './scheduler.js';
import { CheckStream, Deadline, expectDescription, expectFailure, isFull, matchExpect } from './tcp-check-stream.js';

type ExpectRule = Extract<TcpCheckRule, { kind: 'expect' }>;
type CheckedServer = Pick<
  ServerConfig,
  'address' | 'port' | 'checkAddr' | 'checkPort' | 'checkSendProxy' | 'sendProxy' | 'proxyV2Ssl' | 'checkTls'
>;

/** One rule with the step number HAProxy prints; `rule` undefined is the implicit first connect (step 0). */
interface Step {
  readonly rule: TcpCheckRule | undefined;
  readonly id: number;
}

/**
 * The rules as HAProxy runs them: a connect is inserted first when the list does not start with one (it uses the
 * server line's options, e.g. check-send-proxy, and is reported as "initial connection step"); user rules are
 * numbered from 1 in config order. Pure.
 */
export function tcpCheckSteps(rules: readonly TcpCheckRule[]): Step[] {
  const steps: Step[] = rules.map((rule, i) => ({ rule, id: i + 1 }));
  if (rules[0]?.kind !== 'connect') steps.unshift({ rule: undefined, id: 0 });
  return steps;
}

/** The part of an error text that says where the check stopped (HAProxy chk_report_conn_err). Pure. */
export function stepSuffix(step: Step): string {
  const rule = step.rule;
  if (rule === undefined) return ' at initial connection step of tcp-check';
  const at = ` at step ${step.id} of tcp-check`;
  switch (rule.kind) {
    case 'connect':
      return rule.port === undefined ? `${at} (connect)` : `${at} (connect port ${rule.port})`;
    case 'send':
      return `${at} (send)`;
    case 'expect':
      return `${at} (${expectDescription(rule)})`;
  }
}

/**
 * Runs the rule list against `server`. Never rejects. Outcomes: L4CON/L4TOUT on a connect step; SOCKERR on a socket
 * error once connected; L7RSP for an expect that fails or an empty response; L7TOUT when the deadline passes once
 * connected; success is L7OK "(tcp-check)" when the last rule is an expect or send, L4OK when it is a connect (with
 * no info for the implicit one). `bufsize` is HAProxy's tune.bufsize: an expect judges at most that many bytes.
 */
export async function probeTcpCheck(
  rules: readonly TcpCheckRule[],
  server: CheckedServer,
  deadlines: CheckDeadlines,
  bufsize: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const steps = tcpCheckSteps(rules);
  const deadline = new Deadline(signal);
  let socket: net.Socket | undefined;
  let stream: CheckStream | undefined;
  try {
    return await runSteps();
  } catch (err) {
    // Only a caller bug gets here (e.g. an address the PROXY encoder refuses): the check fails, the thread lives.
    return { status: CHECK_STATUS.SOCKERR, info: err instanceof Error ? err.message : '' };
  } finally {
    if (socket !== undefined) closeCheckSocket(socket, false);
  }

  async function runSteps(): Promise<ProbeResult> {
    // The check buffer: bytes already read by an expect. Consecutive expects judge the same bytes.
    let buf: Buffer = Buffer.alloc(0);
    let mustRead = true;
    let lastRead = false;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as Step;
      const rule = step.rule;
      if (rule === undefined || rule.kind === 'connect') {
        if (socket !== undefined) closeCheckSocket(socket, false);
        socket = undefined;
        stream = undefined;
        buf = Buffer.alloc(0);
        const startedAt = performance.now();
        const conn = await connectCheckSocket(connectTarget(rule), deadlines.connectMs, signal);
        if (!conn.ok) return { status: conn.status, info: conn.errText + stepSuffix(step) };
        socket = conn.socket;
        stream = new CheckStream(socket);
        // Without `timeout check`, the `inter` started at connect time keeps bounding the whole exchange.
        deadline.set(
          deadlines.afterConnectMs === undefined
            ? startedAt + deadlines.connectMs
            : performance.now() + deadlines.afterConnectMs,
        );
        const proxy = rule === undefined ? proxyAfterConnect(server) : rule.sendProxy;
        if (proxy) {
          const sent = await deadline.race(stream.write(checkProxyHeader(socket, server)));
          if (sent !== undefined) return failure(sent, step);
        }
        mustRead = true;
        lastRead = false;
        continue;
      }
      if (stream === undefined) return { status: CHECK_STATUS.SOCKERR, info: stepSuffix(step).trimStart() };
      if (rule.kind === 'send') {
        // HAProxy releases its input buffer at every send: replies to earlier sends are not judged again.
        buf = Buffer.alloc(0);
        if (rule.data.length >= bufsize) {
          return {
            status: CHECK_STATUS.L7RSP,
            info: `tcp-check send : string too large (${rule.data.length}) for buffer size (${bufsize}) at step ${step.id}`,
          };
        }
        const sent = await deadline.race(stream.write(rule.data));
        if (sent !== undefined) return failure(sent, step);
        mustRead = true;
        continue;
      }
      if (mustRead) {
        const got = await deadline.race(stream.readable());
        if (got === 'timeout') return { status: CHECK_STATUS.L7TOUT, info: stepSuffix(step) };
        const fresh = stream.take(bufsize - buf.length);
        buf = fresh.length > 0 ? Buffer.concat([buf, fresh]) : buf;
        if (buf.length === 0 && stream.error !== undefined) return failure(stream.error, step);
        if (buf.length === 0 && stream.ended) {
          return { status: CHECK_STATUS.L7RSP, info: `TCPCHK got an empty response at step ${step.id}` };
        }
        lastRead = stream.ended || stream.error !== undefined;
        mustRead = false;
      }
      const verdict = judge(rule, buf, lastRead || isFull(buf, bufsize));
      if (verdict === 'wait') {
        // Re-read, then judge again from the first expect of this group (HAProxy resumes at expect.head).
        mustRead = true;
        i = groupHead(i) - 1;
        continue;
      }
      if (verdict !== 'pass') return { status: CHECK_STATUS.L7RSP, info: `${verdict} at step ${step.id}` };
    }
    const last = steps[steps.length - 1]?.rule;
    if (last === undefined) return { status: CHECK_STATUS.L4OK, info: '' };
    if (last.kind === 'connect') return { status: CHECK_STATUS.L4OK, info: '(tcp-check)' };
    return { status: CHECK_STATUS.L7OK, info: '(tcp-check)' };
  }

  function connectTarget(rule: Extract<TcpCheckRule, { kind: 'connect' }> | undefined): CheckEndpoint {
    const base = checkEndpoint(server);
    // The implicit first connect is the server line's check connection (over TLS with check-ssl); an explicit
    // `tcp-check connect` is plain (its own `ssl` option is not read by orcalb).
    if (rule === undefined) return base;
    return { host: rule.addr ?? base.host, port: rule.port ?? base.port };
  }

  function failure(err: Error | 'timeout', step: Step): ProbeResult {
    if (err === 'timeout') return { status: CHECK_STATUS.L7TOUT, info: stepSuffix(step) };
    return { status: CHECK_STATUS.SOCKERR, info: errnoText(err) + stepSuffix(step) };
  }

  function groupHead(i: number): number {
    let h = i;
    while (h > 0 && steps[h - 1]?.rule?.kind === 'expect') h--;
    return h;
  }
}

/**
 * HAProxy tcpcheck_eval_expect: 'wait' while a non-final read is too short or does not match yet (more bytes may
 * still come), 'pass' when matched XOR negated, else the failure text without its " at step N".
 */
function judge(rule: ExpectRule, buf: Buffer, lastRead: boolean): 'wait' | 'pass' | string {
  const match = matchExpect(rule, buf, lastRead);
  if (match === 'short') return 'wait';
  if (!match && !lastRead) return 'wait';
  if (match !== rule.negate) return 'pass';
  return expectFailure(rule, match);
}
