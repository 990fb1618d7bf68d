// Resolves every server line's TLS words after parsing (HAProxy does the same when it prepares each server's SSL
// context, after the whole file is read): the line's words on top of the global `ssl-default-server-*` defaults,
// `verify` defaulting to `ssl-server-verify` (required), the files read (`ca-file`, `crl-file`, `crt` and its `.key`),
// and a trial secure context so a bad cipher list or key is an [ALERT] at load, not a failed handshake later. Which
// checks run over TLS: `check-ssl`, or `ssl` when neither `port` nor `addr` sends checks elsewhere (`no-check-ssl`
// never). HAProxy 2.6.12's texts (measured with haproxy -c). Main thread, config loading.

import { existsSync, readFileSync } from 'node:fs';
import type { CheckTlsConfig, GlobalConfig, ServerTlsConfig, TlsVerify } from './model.js';
import type { Diagnostics } from './diagnostics.js';
import type { ProxyDraft, ServerDraft, ServerTlsDraft } from './sections/proxy-draft.js';
import { type TlsDraft, applyTlsSetting, finishTlsSettings, newTlsDraft } from './keywords/tls-options.js';
import { SYSTEM_CA, serverSecureContext } from '../core/tls/server-tls-context.js';

/**
 * What the global section gives every server line (`ssl-default-server-options`/`-ciphers`/`-ciphersuites`,
 * `ssl-server-verify`, `ca-base`, `crt-base`; read by config/keywords/tls-global.ts into GlobalConfig.tls).
 */
export interface ServerTlsDefaults {
  readonly draft?: TlsDraft;
  readonly verify?: TlsVerify;
  readonly caBase?: string;
  readonly crtBase?: string;
}

/** The defaults the global section sets for server lines. */
export function serverTlsDefaults(global: GlobalConfig): ServerTlsDefaults {
  const g = global.tls;
  if (g === undefined) return {};
  return {
    draft: g.serverDefaults,
    ...(g.serverVerify === undefined ? {} : { verify: g.serverVerify }),
    ...(g.caBase === undefined ? {} : { caBase: g.caBase }),
    ...(g.crtBase === undefined ? {} : { crtBase: g.crtBase }),
  };
}

/** Fills `server.tls` for every server line with TLS words; reports HAProxy's errors into `diag`. */
export function resolveServerTls(proxies: readonly ProxyDraft[], global: GlobalConfig, diag: Diagnostics): void {
  const defaults = serverTlsDefaults(global);
  for (const p of proxies) {
    for (const s of p.servers) {
      const d = s.settings.tls;
      if (d === undefined) continue;
      const traffic = d.ssl === true;
      const checks = d.checkSsl ?? (traffic && s.settings.checkPort === undefined && s.settings.checkAddr === undefined);
      if (!traffic && !checks) continue;
      const tls = buildTls(p, s, d, defaults, diag);
      if (tls === undefined) continue;
      // HTTP/2 to servers is not spoken: a server choosing h2 from the offer would get HTTP/1.1 bytes.
      const label = `server ${p.name}/${s.name}`;
      if (p.mode === 'http' && traffic && tls.settings.alpn?.includes('h2') === true) {
        diag.notImplemented('server ... alpn h2', s.source, 'refused', { label, shown: 'alpn h2' });
        continue;
      }
      const checkAlpn = d.checkAlpn ?? tls.settings.alpn;
      if (checks && checkAlpn?.includes('h2') === true && (p.checkOption?.name === 'httpchk')) {
        diag.notImplemented('server ... check-alpn h2', s.source, 'refused', { label, shown: 'check-alpn h2' });
        continue;
      }
      const check: CheckTlsConfig | undefined = checks
        ? {
            tls,
            ...(d.checkSni === undefined ? {} : { sni: d.checkSni }),
            ...(d.checkAlpn !== undefined ? { alpn: d.checkAlpn } : tls.settings.alpn === undefined ? {} : { alpn: tls.settings.alpn }),
          }
        : undefined;
      s.tls = { ...(traffic ? { traffic: tls } : {}), ...(check === undefined ? {} : { check }) };
    }
  }
}

function buildTls(p: ProxyDraft, s: ServerDraft, d: ServerTlsDraft, defaults: ServerTlsDefaults, diag: Diagnostics): ServerTlsConfig | undefined {
  const label = `server ${p.name}/${s.name}`;
  const at = s.source;
  const fail = (message: string): undefined => diag.badValue(message, at, { keyword: label });
  const draft = newTlsDraft(defaults.draft);
  const bases = defaults.caBase === undefined ? {} : { caBase: defaults.caBase };
  for (const [word, value] of d.words) {
    const complaint = applyTlsSetting(draft, word, value, 'server', bases);
    if (complaint !== undefined) return fail(complaint);
  }
  const finished = finishTlsSettings(draft);
  for (const note of finished.notes) {
    if (note.kind === 'no-ignored') diag.warn("'no-*' options are ignored when 'ssl-min-ver', 'ssl-max-ver' or 'force-*' is set.", at, label);
    if (note.kind === 'hole') diag.warn(`${note.version} is disabled: the versions above it are disabled too (a contiguous range).`, at, label);
    if (note.kind === 'sslv3-dropped') diag.warn('SSLv3 is not available (OpenSSL 3): the range starts at TLSv1.0.', at, label);
  }
  if (finished.settings === undefined) return fail('all SSL/TLS versions are disabled.');
  const verify = draft.verify ?? defaults.verify ?? 'required';
  const settings = { ...finished.settings, verify };
  if (verify === 'required' && settings.caFile === undefined) {
    return fail(
      "verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust " +
        "the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use " +
        "'ssl-server-verify none' in the global section to disable server-side verifications by default.",
    );
  }
  const crt = d.crt === undefined ? undefined : withBase(d.crt, defaults.crtBase);
  const files = readFiles(settings.caFile, settings.crlFile, crt);
  if (typeof files === 'string') return fail(files);
  const cfg: ServerTlsConfig = {
    settings,
    ...files,
    ...(d.sni === undefined ? {} : { sni: d.sni }),
    ...(d.verifyHost === undefined ? {} : { verifyHost: d.verifyHost }),
    reuse: d.reuse ?? true,
  };
  try {
    serverSecureContext(cfg);
  } catch (e) {
    return fail(contextError(e, cfg, crt ?? ''));
  }
  return cfg;
}

function withBase(path: string, base: string | undefined): string {
  return base === undefined || path.startsWith('/') ? path : `${base}/${path}`;
}

interface TlsFiles {
  ca?: string;
  crl?: string;
  cert?: string;
  key?: string;
}

/** Reads the PEM files; HAProxy's text for the first one that cannot be read. */
function readFiles(caFile: string | undefined, crlFile: string | undefined, crt: string | undefined): TlsFiles | string {
  const out: TlsFiles = {};
  if (caFile !== undefined) {
    if (caFile === SYSTEM_CA) out.ca = SYSTEM_CA;
    else {
      const text = readText(caFile);
      // haproxy 2.6.12 says ca-file for the CRL too.
      if (typeof text !== 'string') return `Couldn't open the ca-file '${caFile}' (${text.reason}).`;
      out.ca = text;
    }
  }
  if (crlFile !== undefined) {
    const text = readText(crlFile);
    if (typeof text !== 'string') return `Couldn't open the ca-file '${crlFile}' (${text.reason}).`;
    out.crl = text;
  }
  if (crt !== undefined) {
    const text = readText(crt);
    if (typeof text !== 'string') return `unable to stat SSL certificate from file '${crt}' : ${text.reason}.`;
    out.cert = text;
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) out.key = text;
    else {
      const keyFile = `${crt}.key`;
      const key = existsSync(keyFile) ? readText(keyFile) : undefined;
      if (typeof key !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) return `No Private Key found in '${keyFile}'.`;
      out.key = key;
    }
  }
  return out;
}

function readText(path: string): string | { readonly reason: string } {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : String(code ?? e) };
  }
}

/** node:tls's complaint about a context, in HAProxy's words where it has them. */
function contextError(e: unknown, cfg: ServerTlsConfig, crt: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (/cipher/i.test(message)) {
    const list = cfg.settings.ciphersuites !== undefined && cfg.settings.ciphers === undefined ? cfg.settings.ciphersuites : (cfg.settings.ciphers ?? '');
    return `unable to set SSL cipher list to '${list}'.`;
  }
  if (/key values mismatch/i.test(message)) return `inconsistencies between private key and certificate loaded from PEM file '${crt}'.`;
  return `unable to prepare the SSL context: ${message}.`;
}
