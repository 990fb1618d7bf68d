// `http-check connect|send|expect|...` (manual §4.2): the rules of a backend's HTTP health check. HAProxy 2.6
// keeps them with the `option httpchk` request (option-httpchk.ts; the draft both fill is http-check-draft.ts) as
// one ordered ruleset with strict ordering rules (connect → send → expect); that order, its step numbers and its
// error texts are reproduced here, and orcalb runs the first send/expect exchange of it. Main thread, config parsing.

import type { HttpCheckConfig } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { isNumericHost } from '../address.js';
import { parseInteger } from '../units.js';
import { type HttpCheckDraft, type HttpCheckFields, type Step, ownSteps } from './http-check-draft.js';

const ACTIONS_LIST =
  "'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', " +
  "'unset-var(*)'.";

/** Parses one `http-check ...` line into the proxy's draft. */
export function parseHttpCheckLine(ctx: ProxyLineContext): void {
  const { args, at, diag } = ctx;
  const action = args[1] ?? '';
  const base = action.replace(/\(.*$/, '');
  if (['connect', 'send', 'expect', 'comment', 'set-var', 'set-var-fmt', 'unset-var'].includes(base)) {
    ownSteps(ctx.proxy.httpCheck);
  }
  switch (base) {
    case 'connect':
      return connectLine(ctx);
    case 'send':
      return sendLine(ctx);
    case 'expect':
      return expectLine(ctx);
    case 'comment':
    case 'set-var':
    case 'set-var-fmt':
    case 'unset-var':
      // Rules without effect on what orcalb sends, kept for HAProxy's step numbering.
      addStep(ctx, 'other');
      return diag.notImplemented(`http-check ${base}`, at);
    case 'disable-on-404':
    case 'send-state':
      return diag.notImplemented(`http-check ${base}`, at);
    default:
      diag.badValue(`'http-check' only supports ${ACTIONS_LIST} but got '${action}'`, at, { found: action });
  }
}

/**
 * Appends a rule with HAProxy's ordering checks (tcpcheck_add_http_rule), which apply once `option httpchk`
 * made the ruleset an HTTP one: a send needs a connect before it unless it is the first, an expect needs a send
 * or expect before it, a connect needs an expect before it.
 * Returns the step, or undefined after reporting the error.
 */
function addStep(ctx: ProxyLineContext, kind: Step['kind']): Step | undefined {
  const check = ownSteps(ctx.proxy.httpCheck);
  const { steps } = check;
  const lastAny = steps.at(-1);
  const index = lastAny === undefined || lastAny.implicit ? 0 : lastAny.index + 1;
  const last = steps.filter((s) => s.kind !== 'other').at(-1);
  const keyword = `http-check ${kind}`;
  if (kind !== 'other' && check.optionSeen && last !== undefined && !last.implicit) {
    const missing =
      kind === 'send' && last.kind !== 'connect' ? 'connect'
      : kind === 'expect' && last.kind !== 'send' && last.kind !== 'expect' ? 'send'
      : kind === 'connect' && last.kind !== 'expect' ? 'expect'
      : undefined;
    if (missing !== undefined) {
      return ctx.diag.badValue(`unable to add ${keyword} rule at step ${index + 1} (missing ${missing} rule).`, ctx.at, {
        keyword,
      });
    }
  }
  const step: Step = { kind, index, implicit: false };
  // The first explicit send takes over the option's implicit one: same place in the numbering, moved last.
  const implicit = kind === 'send' ? steps.find((s) => s.implicit) : undefined;
  if (implicit !== undefined) {
    steps.splice(steps.indexOf(implicit), 1);
    step.index = implicit.index;
  }
  steps.push(step);
  return step;
}

/** How many connects the ruleset has: a second one starts an exchange orcalb does not run. */
function connects(check: HttpCheckDraft): number {
  return check.steps.filter((s) => s.kind === 'connect').length;
}

const CONNECT_WORDS =
  "'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default'";

/** `http-check connect [default] [port N] [addr IP] [send-proxy] [ssl] ...`: orcalb connects as the server says. */
function connectLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const keyword = 'http-check connect';
  const ignored: string[] = [];
  for (let i = 2; i < args.length; i++) {
    const word = args[i] ?? '';
    const value = args[i + 1] ?? '';
    if (word === 'port') {
      const n = parseInteger(value);
      if (n === undefined || n < 1 || n > 65535) {
        diag.badValue(`expects a valid TCP port (from range 1 to 65535) or a sample expression, got ${value}.`, at, {
          keyword,
          found: value,
        });
        return;
      }
      ignored.push(word);
      i++;
    } else if (word === 'addr') {
      if (value === '') return void diag.badValue("'addr' expects <ipv4|ipv6> as argument.", at, { keyword });
      // The probe never resolves names: a numeric address is required, as for tcp-check connect.
      if (!isNumericHost(value)) {
        return void diag.badValue(`'addr' : invalid address: '${value}' in '${value}'`, at, { keyword, found: value });
      }
      ignored.push(word);
      i++;
    } else if (['sni', 'alpn', 'proto', 'comment'].includes(word)) {
      if (value === '') return void diag.badValue(`'${word}' expects a string as argument.`, at, { keyword });
      if (word !== 'comment') ignored.push(word);
      i++;
    } else if (['send-proxy', 'via-socks4', 'ssl'].includes(word)) {
      ignored.push(word);
    } else if (word !== 'default' && word !== 'linger') {
      diag.badValue(`expects ${CONNECT_WORDS} but got '${word}' as argument.`, at, { keyword, found: word });
      return;
    }
  }
  // HAProxy: "it is also mandatory to start the ruleset with a 'connect' rule" once there is one.
  const explicit = proxy.httpCheck.steps.filter((s) => s.kind !== 'other' && !s.implicit);
  if (explicit.length > 0 && explicit[0]?.kind !== 'connect') {
    diag.badValue(
      "first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', " +
        "when there is a 'connect' step in the tcp-check ruleset.",
      at,
      { keyword },
    );
    return;
  }
  const before = connects(proxy.httpCheck);
  if (addStep(ctx, 'connect') === undefined) return;
  if (before === 1) {
    diag.warn('orcalb runs only the first connect/send/expect exchange of an http-check ruleset; the steps from here on are ignored', at);
  }
  // The probe connects to the server's check address, so options that change the connection are not honoured.
  for (const word of ignored) diag.notImplemented(`http-check connect ${word}`, at, 'the check connects as the server line says');
}

const SEND_WORDS = "'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf'";

/** `http-check send [meth M] [uri U] [ver V] [hdr N V]* [body S]`. */
function sendLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const keyword = 'http-check send';
  const fields: HttpCheckFields = {};
  const headers: [string, string][] = [];
  const skipped: string[] = [];
  for (let i = 2; i < args.length; i++) {
    const word = args[i] ?? '';
    const value = args[i + 1];
    if (word === 'hdr') {
      const hdrValue = args[i + 2];
      if (value === undefined || value === '' || hdrValue === undefined) {
        return void diag.badValue("'hdr' expects <name> and <value> as arguments.", at, { keyword });
      }
      headers.push([value, hdrValue]);
      i += 2;
      continue;
    }
    if (!['meth', 'uri', 'uri-lf', 'ver', 'body', 'body-lf', 'comment'].includes(word)) {
      return void diag.badValue(`expects ${SEND_WORDS} but got '${word}' as argument.`, at, { keyword, found: word });
    }
    if (value === undefined || value === '') {
      return void diag.badValue(`'${word}' expects a string as argument.`, at, { keyword });
    }
    i++;
    if (word === 'meth') fields.method = value;
    else if (word === 'uri') fields.uri = value;
    else if (word === 'ver') fields.version = value;
    else if (word === 'body') fields.body = value;
    else skipped.push(word);
  }
  if (headers.length > 0) fields.headers = headers;
  const check = proxy.httpCheck;
  const sendsBefore = check.steps.filter((s) => s.kind === 'send' && !s.implicit).length;
  if (addStep(ctx, 'send') === undefined) return;
  for (const word of skipped) diag.notImplemented(`http-check send ${word}`, at);
  // Only the first exchange's request is sent; later ones were warned about at their connect.
  if (sendsBefore === 0) {
    check.send = fields;
    check.optionLast = false;
  }
}

const EXPECT_WORDS =
  "'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, " +
  '[!]fhdr or comment';

/** expect options that take one value and that orcalb ignores (status and log customisation). */
const EXPECT_OPTIONS = new Set([
  'min-recv', 'comment', 'ok-status', 'error-status', 'tout-status', 'on-success', 'on-error', 'status-code',
]);

/** `http-check expect [options] [!] status|rstatus|string|rstring <pattern>`. */
function expectLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const keyword = 'http-check expect';
  if (args.length <= 2) {
    return void diag.badValue('expects at least a matching pattern as arguments.', at, { keyword });
  }
  let negate = false;
  let expect: HttpCheckConfig['expect'] | 'unsupported' | undefined;
  const ignored: string[] = [];
  for (let i = 2; i < args.length; i++) {
    let word = args[i] ?? '';
    if (EXPECT_OPTIONS.has(word)) {
      if ((args[i + 1] ?? '') === '') {
        const what = word === 'min-recv' ? 'a integer' : 'a string';
        return void diag.badValue(`'${word}' expects ${what} as argument.`, at, { keyword });
      }
      ignored.push(word);
      i++;
      continue;
    }
    // A match keyword after the pattern is an error in HAProxy too: one match per rule.
    if (expect === undefined && word === '!') {
      negate = true;
      continue;
    }
    if (expect === undefined && word.startsWith('!')) {
      negate = true;
      word = word.slice(1);
    }
    const pattern = args[i + 1] ?? '';
    if (expect === undefined && (word === 'status' || word === 'rstatus' || word === 'string' || word === 'rstring')) {
      if (pattern === '') return void diag.badValue(`'${word}' expects a <pattern> as argument.`, at, { keyword });
      const problem = patternProblem(word, pattern);
      if (problem !== undefined) return void diag.badValue(problem, at, { keyword, found: pattern });
      expect = { match: word, pattern, negate };
      i++;
      continue;
    }
    if (expect === undefined && (word === 'hdr' || word === 'fhdr') && (!['name', 'name-lf'].includes(args[i + 1] ?? '') || args[i + 2] === undefined)) {
      return void diag.badValue(`'${word}' expects at the name keyword as first argument followed by a pattern.`, at, { keyword });
    }
    if (expect === undefined && ['hdr', 'fhdr', 'string-lf'].includes(word)) {
      ignored.push(word);
      expect = 'unsupported';
      // hdr/fhdr take `name [-m meth] <name> [value [-m meth] <value>]`: the rest of the line is theirs.
      i = word === 'string-lf' ? i + 1 : args.length;
      continue;
    }
    return void diag.badValue(`${EXPECT_WORDS} but got '${word}' as argument.`, at, { keyword, found: word });
  }
  if (expect === undefined) {
    return void diag.badValue(`${EXPECT_WORDS} but got '' as argument.`, at, { keyword });
  }
  const check = proxy.httpCheck;
  if (addStep(ctx, 'expect') === undefined) return;
  for (const word of ignored) {
    const consequence = ['hdr', 'fhdr', 'string-lf'].includes(word) ? 'the step is skipped (the check is weaker than in HAProxy)' : 'ignored';
    diag.notImplemented(`http-check expect ${word}`, at, consequence);
  }
  if (expect === 'unsupported' || connects(check) > 1) return;
  if (check.expect !== undefined) {
    diag.warn("orcalb evaluates only the first 'http-check expect' of the exchange; this one is ignored", at);
    return;
  }
  check.expect = expect;
}

/** HAProxy's checks on a status list (`200,300-310`) and on regular expressions; undefined when valid. */
function patternProblem(match: 'status' | 'rstatus' | 'string' | 'rstring', pattern: string): string | undefined {
  if (match === 'status') {
    for (const part of pattern.split(',')) {
      const bad = /[^0-9-]/.exec(part);
      if (bad !== null) return `invalid character '${bad[0]}' in the list of status codes.`;
      if (!/^\d+(-\d+)?$/.test(part)) return `invalid range of status codes '${part}'.`;
    }
    return undefined;
  }
  if (match === 'string') return undefined;
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    // JavaScript's RegExp stands in for PCRE: the reason is the engine's, not PCRE's.
    return `regex '${pattern}' is invalid (error=${e instanceof Error ? e.message : String(e)}).`;
  }
}

