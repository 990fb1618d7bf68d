// `bind … crt-list <file>` (manual §5.1 "crt-list"): one certificate per line, `<crtfile> [[<ssl options>]]
// [[!]<snifilter> …]`. The SNI filters replace the certificate's own names (`!name` excludes one, `*.` wildcards
// match one label); `[alpn …]` sets the protocols offered with that certificate and `[npn …]` is accepted (Node has
// no NPN). Other bracket options would need per-SNI OpenSSL settings Node cannot switch after the ClientHello: they
// are refused (fail closed), never ignored. Lines starting with `#` at column 0 and empty lines are skipped (as
// haproxy 2.6.12). Main thread, config parsing.

import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { GlobalTls, TlsCertificate } from '../model.js';
import { loadCrt } from '../tls-cert-files.js';

/** The bracket options orcalb implements per line. */
const LINE_OPTIONS: Readonly<Record<string, number>> = { alpn: 1, npn: 1 };
/** HAProxy 2.6's crt-list bracket options (the ones it knows but orcalb refuses per line). */
const KNOWN_LINE_OPTIONS = new Set([
  'allow-0rtt', 'alpn', 'ca-file', 'ca-verify-file', 'ciphers', 'ciphersuites', 'crl-file', 'curves', 'ecdhe',
  'no-ca-names', 'npn', 'ocsp-update', 'ssl-min-ver', 'ssl-max-ver', 'verify',
]);

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : String(code ?? e);
}

/** Reads and loads a crt-list: every certificate in line order, or the first complaint (HAProxy's wording). */
export function loadCrtList(path: string, global: GlobalTls | undefined): { readonly certs: TlsCertificate[] } | { readonly error: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { error: `'crt-list' : cannot open file '${path}' : ${errnoText(e)}` };
  }
  const certs: TlsCertificate[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').replace(/\r$/, '');
    if (line.startsWith('#') || line.trim() === '') continue;
    const where = `'crt-list' : parsing [${path}:${n + 1}]:`;
    const words = line.trim().split(/\s+/);
    const file = words.shift() ?? '';
    let alpn: string[] | undefined;
    // `[opt value …]`: the bracket may be glued to the first and last words.
    if (words[0]?.startsWith('[') === true) {
      const opts: string[] = [];
      let closed = false;
      while (words.length > 0 && !closed) {
        let w = words.shift() ?? '';
        if (opts.length === 0 && w.startsWith('[')) w = w.slice(1);
        if (w.endsWith(']')) {
          closed = true;
          w = w.slice(0, -1);
        }
        if (w !== '') opts.push(w);
      }
      if (!closed) return { error: `${where} missing ']' after the ssl options` };
      for (let i = 0; i < opts.length; i++) {
        const o = opts[i] ?? '';
        const arity = LINE_OPTIONS[o];
        if (arity === undefined) {
          return {
            error: KNOWN_LINE_OPTIONS.has(o)
              ? `${where} orcalb does not implement '${o}' on a crt-list line yet (put it on the bind line)`
              : `${where} unknown ssl keyword ${o}`,
          };
        }
        const v = opts[i + 1] ?? '';
        if (v === '') return { error: `${where} '${o}' : missing value` };
        if (o === 'alpn') {
          const names = v.split(',');
          if (names.some((x) => x.length === 0 || Buffer.byteLength(x) > 255)) return { error: `${where} 'alpn' : invalid protocol list '${v}'` };
          alpn = names;
        }
        i += arity;
      }
    }
    const crt = global?.crtBase !== undefined && !isAbsolute(file) ? join(global.crtBase, file) : file;
    const loaded = loadCrt(crt);
    if ('error' in loaded) return { error: `'crt-list' : ${loaded.error}` };
    const filters = words.map((w) => w.toLowerCase());
    for (const c of loaded.certs) {
      certs.push({ ...c, ...(filters.length === 0 ? {} : { filters }), ...(alpn === undefined ? {} : { alpn }) });
    }
  }
  return { certs };
}
