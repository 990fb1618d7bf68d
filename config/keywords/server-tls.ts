// The TLS words of `server` and `default-server` lines (manual §5.2): `ssl`/`no-ssl`, `check-ssl`/`no-check-ssl`,
// `crt`, `sni`, `verifyhost` (2.6.12 has no `no-verifyhost`: unknown there, unknown here), `check-sni`,
// `check-alpn`, `ssl-reuse`/`no-ssl-reuse`, and the words
// shared with bind lines (tls-options.ts: `verify`, `ca-file`, `crl-file`, `alpn`, `ciphers`, `ciphersuites`,
// `ssl-min-ver`, `ssl-max-ver`, `force-*`, `no-tlsv*`, `no-tls-tickets`). Kept as written in the ServerSettings' draft:
// config/server-tls-resolve.ts resolves them after parsing, on the global `ssl-default-server-*` defaults.
// Main thread, config parsing.

import { parseSampleExpr } from '../../core/acl/sample-expr.js';
import type { ServerSettings, ServerTlsDraft } from '../sections/proxy-draft.js';
import { readPatternFile } from './acl.js';
import { TLS_SETTING_OPTIONS, applyTlsSetting, newTlsDraft } from './tls-options.js';

/** `curves` and `ecdhe` are bind words only in HAProxy 2.6 (a server line does not know them). */
const BIND_ONLY = new Set(['curves', 'ecdhe']);

/** The server TLS words orcalb implements → the number of values each takes. */
export const SERVER_TLS_WORDS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(Object.entries(TLS_SETTING_OPTIONS).filter(([w]) => !BIND_ONLY.has(w))),
  ssl: 0, 'no-ssl': 0, 'check-ssl': 0, 'no-check-ssl': 0, crt: 1, sni: 1, verifyhost: 1,
  'check-sni': 1, 'check-alpn': 1, 'ssl-reuse': 0, 'no-ssl-reuse': 0,
};

/** The fetches an `sni` expression may start with: those ServerTlsClient.sniFor can answer. */
const SNI_FETCHES: ReadonlySet<string> = new Set([
  'str', 'req.hdr', 'hdr', 'req.fhdr', 'fhdr', 'path', 'url', 'base', 'src', 'dst', 'src_port', 'dst_port',
]);

/** What a sample expression may fetch in `sni`: orcalb refuses what it does not evaluate (fail closed). */
export type SniOutcome = { readonly notImplemented: string } | string | undefined;

function draftOf(s: ServerSettings): ServerTlsDraft {
  return (s.tls ??= { words: [] });
}

/**
 * Applies one TLS word of a server line (`value` '' for a flag). Returns undefined when done, HAProxy's complaint
 * (the caller adds the line's context), or `{notImplemented}` for an `sni` fetch orcalb does not evaluate.
 */
export function applyServerTlsWord(s: ServerSettings, option: string, value: string): SniOutcome {
  const d = draftOf(s);
  switch (option) {
    case 'ssl':
    case 'no-ssl':
      d.ssl = option === 'ssl';
      return undefined;
    case 'check-ssl':
    case 'no-check-ssl':
      d.checkSsl = option === 'check-ssl';
      return undefined;
    case 'ssl-reuse':
    case 'no-ssl-reuse':
      d.reuse = option === 'ssl-reuse';
      return undefined;
    case 'verifyhost':
      if (value === '') return `'verifyhost' : missing hostname.`;
      d.verifyHost = value;
      return undefined;
    case 'crt':
      if (value === '') return `'crt' : missing certificate file path.`;
      d.crt = value;
      return undefined;
    case 'check-sni':
      if (value === '') return `'check-sni' : missing SNI.`;
      d.checkSni = value;
      return undefined;
    case 'check-alpn': {
      const names = value.split(',');
      if (names.some((n) => n.length === 0 || Buffer.byteLength(n) > 255)) return `'check-alpn' : invalid protocol list '${value}'`;
      d.checkAlpn = names;
      return undefined;
    }
    case 'sni': {
      if (value === '') return `'sni' : missing sni expression.`;
      const expr = parseSampleExpr(value, 0, { readFile: readPatternFile });
      if (!expr.ok) {
        if (expr.notImplemented !== undefined) return { notImplemented: expr.notImplemented };
        return `'sni' : failed to parse sni expression '${value}': ${expr.message}`;
      }
      // The SNI is evaluated where only the request head, the client's addresses and the proxies are at hand
      // (core/tls/server-tls.ts sniFor): a fetch reading anything else would give nothing, and the certificate's
      // name would then go unchecked, so it is refused (variables, counters, the client side's TLS facts…).
      const fetch = expr.spec.fetch.name;
      if (!SNI_FETCHES.has(fetch)) return { notImplemented: fetch };
      d.sni = expr.spec;
      return undefined;
    }
    default: {
      // A shared word: checked now (its value's errors belong to this line), replayed at resolve time.
      const complaint = applyTlsSetting(newTlsDraft(), option, value, 'server');
      if (complaint !== undefined) return complaint;
      d.words.push([option, value]);
      return undefined;
    }
  }
}
