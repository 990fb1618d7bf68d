// `tcp-check connect|send|send-binary|expect ...` (manual §4.2 "tcp-check ..."): the rule list of a backend's
// TCP health check, in order, as config/model.ts TcpCheckRule. Other 2.6 tcp-check actions are known and
// warned about. HAProxy 2.6's error texts. Main thread, config parsing.

import { isNumericHost } from '../address.js';
import type { TcpCheckRule } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseInteger } from '../units.js';

/** Actions HAProxy 2.6 has that orcalb does not run (`set-var(...)` and friends are matched by prefix). */
const KNOWN_ACTIONS = ['comment', 'send-lf', 'send-binary-lf', 'set-var', 'set-var-fmt', 'unset-var'];

/** expect options that take one value and that orcalb ignores (status and log customisation). */
const EXPECT_OPTIONS = new Set([
  'min-recv', 'comment', 'ok-status', 'error-status', 'tout-status', 'on-success', 'on-error', 'status-code',
]);

/** Parses one `tcp-check` line and appends its rule to the proxy's list. */
export function parseTcpCheckLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const action = args[1] ?? '';
  let rule: TcpCheckRule | undefined;
  if (action === 'connect') rule = connectRule(ctx);
  else if (action === 'send') rule = sendRule(ctx);
  else if (action === 'send-binary') rule = sendBinaryRule(ctx);
  else if (action === 'expect') rule = expectRule(ctx);
  else if (KNOWN_ACTIONS.includes(action.replace(/\(.*$/, ''))) {
    diag.notImplemented(`tcp-check ${action.replace(/\(.*$/, '')}`, at, 'the step is skipped');
    return;
  } else {
    diag.badValue(
      "'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var-fmt(*)', " +
        `'set-var(*)', 'unset-var(*)'. but got '${action}'`,
      at,
      { found: action },
    );
    return;
  }
  // The rule builders already reported their error.
  if (rule === undefined) return;
  // A proxy's own rules replace the ones its defaults section had (they are not appended to them).
  if (proxy.tcpCheckInherited) {
    proxy.tcpCheckRules = [];
    proxy.tcpCheckInherited = false;
  }
  if (rule.kind === 'connect' && proxy.tcpCheckRules.length > 0 && proxy.tcpCheckRules[0]?.kind !== 'connect') {
    diag.badValue(
      "first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', " +
        "when there is a 'connect' step in the tcp-check ruleset.",
      at,
      { keyword: 'tcp-check connect' },
    );
    return;
  }
  proxy.tcpCheckRules.push(rule);
}

/** `tcp-check connect [port N] [addr IP] [send-proxy] ...`: a new connection for the following steps. */
function connectRule(ctx: ProxyLineContext): TcpCheckRule | undefined {
  const { args, at, diag } = ctx;
  let port: number | undefined;
  let addr: string | undefined;
  let sendProxy = false;
  for (let i = 2; i < args.length; i++) {
    const word = args[i] ?? '';
    const value = args[i + 1] ?? '';
    if (word === 'port') {
      const n = parseInteger(value);
      if (n === undefined || n < 1 || n > 65535) {
        return diag.badValue(
          `expects a valid TCP port (from range 1 to 65535) or a sample expression, got ${value}.`,
          at,
          { keyword: 'tcp-check connect', found: value },
        );
      }
      port = n;
      i++;
    } else if (word === 'addr') {
      // The rule runs on the health-check thread, which never resolves names: an IP is required here.
      if (!isNumericHost(value)) {
        return diag.badValue(`'addr' expects an IPv4 or IPv6 address, got '${value}'.`, at, { keyword: 'tcp-check connect' });
      }
      addr = value;
      i++;
    } else if (word === 'send-proxy') {
      sendProxy = true;
    } else if (['default', 'via-socks4', 'ssl', 'linger'].includes(word)) {
      // TLS, SOCKS4 and the other connect options change how the probe connects; orcalb probes plain TCP.
      diag.notImplemented(`tcp-check connect ${word}`, at);
    } else if (['sni', 'alpn', 'proto', 'comment'].includes(word)) {
      diag.notImplemented(`tcp-check connect ${word}`, at);
      i++;
    } else {
      return diag.badValue(
        "expects 'comment', 'port', 'addr', 'send-proxy', 'via-socks4', 'ssl', 'sni', 'alpn', 'proto', " +
          `'linger' or 'default' but got '${word}' as argument.`,
        at,
        { keyword: 'tcp-check connect', found: word },
      );
    }
  }
  const base = { kind: 'connect' as const, source: at, sendProxy };
  return { ...base, ...(port === undefined ? {} : { port }), ...(addr === undefined ? {} : { addr }) };
}

/** `tcp-check send <string>`: the string after §2.2 unescaping. */
function sendRule(ctx: ProxyLineContext): TcpCheckRule | undefined {
  const word = ctx.line.words[2];
  if (word === undefined || word.bytes.length === 0) {
    return ctx.diag.badValue("'send' expects a string as argument.", ctx.at, { keyword: 'tcp-check send' });
  }
  // The word's bytes, not its text: `\x00` and other escapes must reach the server exactly (§2.2).
  return { kind: 'send', source: ctx.at, data: word.bytes };
}

/** `tcp-check send-binary <hex>`: stored decoded, so the probe sends bytes without parsing anything. */
function sendBinaryRule(ctx: ProxyLineContext): TcpCheckRule | undefined {
  const hex = ctx.args[2] ?? '';
  const bad = hexError(hex);
  if (hex === '' || bad !== undefined) {
    return ctx.diag.badValue(`'${hex}' invalid binary string (${bad ?? 'empty'}).`, ctx.at, {
      keyword: 'tcp-check send-binary',
    });
  }
  return { kind: 'send', source: ctx.at, data: Uint8Array.from(Buffer.from(hex, 'hex')) };
}

/** `tcp-check expect [options] [!] string|rstring|binary <pattern>`: options may precede the match. */
function expectRule(ctx: ProxyLineContext): TcpCheckRule | undefined {
  const { args, at, diag } = ctx;
  let negate = false;
  for (let i = 2; i < args.length; i++) {
    let word = args[i] ?? '';
    if (EXPECT_OPTIONS.has(word)) {
      diag.notImplemented(`tcp-check expect ${word}`, at);
      i++;
      continue;
    }
    // Both `! string X` and `!string X` negate (§4.2 "tcp-check expect").
    if (word === '!') {
      negate = true;
      continue;
    }
    if (word.startsWith('!')) {
      negate = true;
      word = word.slice(1);
    }
    const pattern = args[i + 1];
    if (word === 'string' || word === 'rstring' || word === 'binary') {
      if (pattern === undefined || pattern === '') {
        return diag.badValue(`'${word}' expects a <pattern> as argument.`, at, { keyword: 'tcp-check expect' });
      }
      // Checked now so a bad pattern is a config error, not a probe that fails forever at run time.
      const bad = word === 'binary' ? hexError(pattern) : word === 'rstring' ? regexError(pattern) : undefined;
      if (bad !== undefined) {
        const what = word === 'binary' ? 'invalid binary string' : 'invalid regex';
        return diag.badValue(`${what} (${bad}).`, at, { keyword: 'tcp-check expect', found: pattern });
      }
      if (args.length > i + 2) {
        diag.notImplemented('tcp-check expect <options after the pattern>', at, 'ignored', {
          label: 'tcp-check expect',
          warning: 'options after the pattern are not implemented yet by orcalb; ignored',
        });
      }
      return { kind: 'expect', source: at, match: word, pattern, negate };
    }
    if (['string-lf', 'binary-lf', 'rbinary'].includes(word)) {
      diag.notImplemented(`tcp-check expect ${word}`, at, 'the step is skipped (the check is weaker than in HAProxy)');
      return undefined;
    }
    return diag.badValue(
      "'only supports min-recv, '[!]binary', '[!]string', '[!]rstring', '[!]string-lf', '[!]rbinary', " +
        `'[!]binary-lf' or comment but got '${word}' as argument.`,
      at,
      { keyword: 'tcp-check expect', found: word },
    );
  }
  return diag.badValue("expects a pattern type ('string', 'rstring' or 'binary') and a pattern.", at, {
    keyword: 'tcp-check expect',
  });
}

/** HAProxy's "an hex digit is expected (found 'g')" for a malformed hex string; undefined when valid. */
function hexError(hex: string): string | undefined {
  const badChar = /[^0-9a-fA-F]/.exec(hex);
  if (badChar !== null) return `an hex digit is expected (found '${badChar[0]}')`;
  if (hex.length % 2 !== 0) return 'an even number of hex digits is expected';
  return undefined;
}

/** JavaScript's RegExp stands in for HAProxy's PCRE; an invalid pattern is reported with the engine's reason. */
function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
