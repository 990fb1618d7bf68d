// `bind <addr>[,<addr>...] [param*]` (manual §4.2 "bind", §5.1 bind options): one BindDraft per address and
// port of the line. `accept-proxy` is implemented; every other 2.6 bind option is known and warned about.
// Main thread, config parsing.

import { expandAddressEnv, parsePortRange, splitAddress } from '../address.js';
import { suggestionSuffix } from '../keyword-suggestion.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';

/** §5.1 bind options → number of values each takes. */
export const BIND_OPTIONS: Readonly<Record<string, number>> = {
  'accept-netscaler-cip': 1, 'accept-proxy': 0, 'allow-0rtt': 0, alpn: 1, backlog: 1, 'ca-file': 1,
  'ca-ignore-err': 1, 'ca-sign-file': 1, 'ca-sign-pass': 1, 'ca-verify-file': 1, ciphers: 1, ciphersuites: 1,
  'crl-file': 1, crt: 1, 'crt-ignore-err': 1, 'crt-list': 1, curves: 1, 'defer-accept': 0, ecdhe: 1,
  'expose-fd': 1, 'force-sslv3': 0, 'force-tlsv10': 0, 'force-tlsv11': 0, 'force-tlsv12': 0, 'force-tlsv13': 0,
  'generate-certificates': 0, gid: 1, group: 1, id: 1, interface: 1, level: 1, maxconn: 1, mode: 1, mss: 1,
  name: 1, namespace: 1, nice: 1, 'no-ca-names': 0, 'no-sslv3': 0, 'no-tls-tickets': 0, 'no-tlsv10': 0,
  'no-tlsv11': 0, 'no-tlsv12': 0, 'no-tlsv13': 0, npn: 1, 'prefer-client-ciphers': 0, process: 1, proto: 1,
  'quic-cc-algo': 1, 'quic-force-retry': 0, 'severity-output': 1, shards: 1, ssl: 0, 'ssl-max-ver': 1,
  'ssl-min-ver': 1, 'strict-sni': 0, 'tcp-ut': 1, tfo: 0, thread: 1, 'tls-ticket-keys': 1, transparent: 0,
  uid: 1, user: 1, v4v6: 0, v6only: 0, verify: 1,
};

/** Parses a bind line into the proxy's binds; reports every bad address and option of the line. */
export function parseBindLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const spec = args[1];
  if (spec === undefined || spec === '') {
    diag.error(
      'ORCA_CONFIG_SYNTAX',
      "'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.",
      at,
    );
    return;
  }
  // Options apply to every address of the line (`bind :80,:81 accept-proxy` accepts PROXY on both).
  let acceptProxy = false;
  let optionsOk = true;
  const where = `'bind ${spec}' in section '${proxy.kind}'`;
  for (let i = 2; i < args.length; i++) {
    const option = args[i] ?? '';
    const arity = BIND_OPTIONS[option];
    if (arity === undefined) {
      const hint = suggestionSuffix(option, Object.keys(BIND_OPTIONS));
      diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `${where}: unknown keyword '${option}'${hint}`, at, {
        found: option,
      });
      optionsOk = false;
      continue;
    }
    // A missing value would make the next option read as this one's value; report it instead.
    if (arity > 0 && (args[i + 1] ?? '') === '') {
      diag.error('ORCA_CONFIG_SYNTAX', `${where} : '${option}' : missing value`, at);
      optionsOk = false;
      continue;
    }
    // Silently dropping `ssl` or `v6only` would change what clients see: each one is named, and those that secure
    // or restrict the listener refuse the start (config/not-implemented.ts).
    if (option === 'accept-proxy') acceptProxy = true;
    else diag.notImplemented(`bind ... ${option}`, at, 'the option is ignored');
    i += arity;
  }
  const text = args.join(' ');
  const drafts = [];
  for (const word of spec.split(',')) {
    const parts = splitAddress(expandAddressEnv(word, ctx.line.env));
    if (parts.kind === 'unsupported') {
      diag.badValue(`address family '${parts.family}' in '${word}' is not supported by orcalb (TCP over IP only)`, at, {
        keyword: 'bind',
      });
      return;
    }
    if (parts.port === undefined || parts.port === '') {
      diag.badValue(`missing port specification in '${word}'`, at, { keyword: 'bind' });
      return;
    }
    // A port range opens one listener per port, as HAProxy does.
    const range = parsePortRange(parts.port);
    if (range.kind !== 'ok') {
      const what = range.kind === 'bad-range' ? 'invalid port range' : 'invalid port';
      diag.badValue(`${what} '${parts.port}'`, at, { keyword: 'bind', found: parts.port });
      return;
    }
    // `*:80` and `:80` listen on every IPv4 address, as in HAProxy.
    const host = parts.host === '' || parts.host === '*' ? '0.0.0.0' : parts.host;
    for (let port = range.low; port <= range.high; port++) {
      drafts.push({ source: at, host, port, acceptProxy, spec: word, text });
    }
  }
  // All or nothing: half a bind line is never opened.
  if (optionsOk) proxy.binds.push(...drafts);
}
