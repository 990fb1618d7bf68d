// The `global` section's TLS words (manual §3.1/§3.2): `ssl-default-bind-options/-ciphers/-ciphersuites/-curves`,
// `ssl-default-server-options/-ciphers/-ciphersuites`, `ssl-server-verify`, `ca-base`, `crt-base`,
// `tune.ssl.default-dh-param`, `ssl-dh-param-file`, `tune.ssl.lifetime`, `tune.ssl.cachesize`, read into
// GlobalConfig.tls. The option words go through config/keywords/tls-options.ts (the one reader bind and server
// lines share); each ssl bind / ssl server line starts from the draft kept here. Texts as haproxy 2.6.12 -c prints
// them. Main thread, config parsing.

import { readFileSync } from 'node:fs';
import type { Diagnostics } from '../diagnostics.js';
import type { GlobalConfig, GlobalTls, SourceRef } from '../model.js';
import type { ConfigLine } from '../tokenize.js';
import { parseTime } from '../units.js';
import { applyTlsSetting, newTlsDraft, type TlsDraft } from './tls-options.js';

/** The global keywords this module reads (global.ts hands each of them here). */
export const GLOBAL_TLS_KEYWORDS: readonly string[] = [
  'ssl-default-bind-options', 'ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites', 'ssl-default-bind-curves',
  'ssl-default-server-options', 'ssl-default-server-ciphers', 'ssl-default-server-ciphersuites', 'ssl-server-verify',
  'ca-base', 'crt-base', 'tune.ssl.default-dh-param', 'ssl-dh-param-file', 'tune.ssl.lifetime', 'tune.ssl.cachesize',
];

/** HAProxy 2.6's defaults: `tune.ssl.lifetime` 300 s, `tune.ssl.cachesize` 20000 sessions. */
export const DEFAULT_SSL_LIFETIME_S = 300;
export const DEFAULT_SSL_CACHESIZE = 20000;

/** The words each `ssl-default-*-options` line takes: version words and tickets; bind lines also take this one. */
const BIND_ONLY_DEFAULT_OPTIONS: readonly string[] = ['prefer-client-ciphers'];
const VERSION_WORD = /^(?:no|force)-(?:sslv3|tlsv1[0-3])$/;

/** A fresh GlobalTls: no defaults beyond HAProxy's. */
export function initialGlobalTls(): GlobalTls {
  return { bindDefaults: newTlsDraft(), serverDefaults: newTlsDraft(), preferClientCiphers: false };
}

/** C's atoi(): the leading integer of the text, 0 when there is none (how HAProxy reads these tune words). */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m === null ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Number(m[1])));
}

/**
 * Applies one global TLS line to `g.tls` (created on first use). Returns false when `line` is not one of
 * GLOBAL_TLS_KEYWORDS. Errors and warnings go to `diag` with HAProxy's wording. Reads `ssl-dh-param-file` now, as
 * HAProxy does at parse time.
 */
export function parseGlobalTlsLine(g: GlobalConfig, line: ConfigLine, diag: Diagnostics): boolean {
  const keyword = line.args[0] ?? '';
  if (!GLOBAL_TLS_KEYWORDS.includes(keyword)) return false;
  applyGlobalTls((g.tls ??= initialGlobalTls()), keyword, line, diag);
  return true;
}

function applyGlobalTls(tls: GlobalTls, keyword: string, line: ConfigLine, diag: Diagnostics): void {
  const { args, source: at } = line;
  const value = args[1] ?? '';
  switch (keyword) {
    case 'ssl-default-bind-options':
    case 'ssl-default-server-options':
      readDefaultOptions(tls, keyword, args, diag, at);
      return;
    case 'ssl-default-bind-ciphers':
    case 'ssl-default-bind-ciphersuites':
    case 'ssl-default-bind-curves':
    case 'ssl-default-server-ciphers':
    case 'ssl-default-server-ciphersuites': {
      const what = keyword.endsWith('curves') ? 'a curves suite as an arguments' : 'a cipher suite as an argument';
      if (value === '') return void diag.badValue(`global statement '${keyword}' expects ${what}.`, at);
      if (diag.tooManyArgs(args, 1, at)) return;
      const draft = keyword.startsWith('ssl-default-bind-') ? tls.bindDefaults : tls.serverDefaults;
      const word = keyword.slice(keyword.lastIndexOf('-') + 1);
      applyTlsSetting(draft, word, value, keyword.startsWith('ssl-default-bind-') ? 'bind' : 'server');
      return;
    }
    case 'ssl-server-verify':
      if (value === '') return void diag.badValue("'ssl-server-verify' expects an integer argument.", at);
      if (diag.tooManyArgs(args, 1, at)) return;
      if (value !== 'none' && value !== 'required') {
        diag.badValue("'ssl-server-verify' expects 'none' or 'required' as argument.", at, { found: value });
        return;
      }
      tls.serverVerify = value;
      return;
    case 'ca-base':
    case 'crt-base': {
      if (value === '') return void diag.badValue(`global statement '${keyword}' expects a directory path as an argument.`, at);
      if (diag.tooManyArgs(args, 1, at)) return;
      const field = keyword === 'ca-base' ? 'caBase' : 'crtBase';
      if (tls[field] !== undefined) return void diag.badValue(`'${keyword}' already specified.`, at);
      tls[field] = value;
      return;
    }
    case 'tune.ssl.default-dh-param': {
      if (value === '') return void diag.badValue(`'${keyword}' expects an integer argument.`, at);
      const bits = atoi(value);
      if (bits < 1024) return void diag.badValue(`'${keyword}' expects a value >= 1024.`, at, { found: value });
      tls.defaultDhParam = bits;
      return;
    }
    case 'ssl-dh-param-file':
      readDhParamFile(tls, value, line, diag, at);
      return;
    case 'tune.ssl.lifetime':
      readLifetime(tls, value, diag, at);
      return;
    case 'tune.ssl.cachesize': {
      if (value === '') return void diag.badValue(`'${keyword}' expects an integer argument.`, at);
      const n = atoi(value);
      if (n < 0) return void diag.badValue(`'${keyword}' expects a positive numeric value.`, at, { found: value });
      tls.cachesize = n;
      return;
    }
    default:
      return;
  }
}

/** `ssl-default-{bind,server}-options <option>...`: version words, `no-tls-tickets`, and (bind) `prefer-client-ciphers`. */
function readDefaultOptions(tls: GlobalTls, keyword: string, args: readonly string[], diag: Diagnostics, at: SourceRef): void {
  const side = keyword === 'ssl-default-bind-options' ? 'bind' : 'server';
  if ((args[1] ?? '') === '') return void diag.badValue(`global statement '${keyword}' expects an option as an argument.`, at);
  // HAProxy stops at the first bad word; the draft keeps what came before it, which no start ever uses.
  const draft: TlsDraft = side === 'bind' ? tls.bindDefaults : tls.serverDefaults;
  for (let i = 1; i < args.length; i++) {
    const option = args[i] ?? '';
    if (option === 'ssl-min-ver' || option === 'ssl-max-ver') {
      const v = args[i + 1] ?? '';
      if (v === '') return void diag.badValue(`'${option}' : missing the ssl/tls version on global statement '${keyword}'.`, at);
      if (applyTlsSetting(draft, option, v, side) !== undefined) {
        return void diag.badValue(`'${v}' : unknown ssl/tls version on global statement '${keyword}'.`, at, { found: v });
      }
      i++;
    } else if (option === 'no-tls-tickets' || VERSION_WORD.test(option)) {
      applyTlsSetting(draft, option, '', side);
    } else if (side === 'bind' && BIND_ONLY_DEFAULT_OPTIONS.includes(option)) {
      tls.preferClientCiphers = true;
    } else {
      return void diag.badValue(`unknown option '${option}' on global statement '${keyword}'.`, at, { found: option });
    }
  }
}

/** `ssl-dh-param-file <file>`: PEM DH parameters, read at parse time (HAProxy fails the same way when it cannot). */
function readDhParamFile(tls: GlobalTls, path: string, line: ConfigLine, diag: Diagnostics, at: SourceRef): void {
  if (path === '') return void diag.badValue("'ssl-dh-param-file' expects a file path as an argument.", at);
  if (diag.tooManyArgs(line.args, 1, at)) return;
  let pem = '';
  try {
    pem = readFileSync(path, 'latin1');
  } catch {
    pem = '';
  }
  const block = /-----BEGIN (?:X9\.42 )?DH PARAMETERS-----[\s\S]+?-----END (?:X9\.42 )?DH PARAMETERS-----/.exec(pem);
  if (block === null) return void diag.badValue(`'ssl-dh-param-file': unable to load DH parameters from file <${path}>.`, at);
  tls.dhParamFile = path;
  tls.dhParamPem = block[0];
}

/** `tune.ssl.lifetime <time>`: seconds by default, up to 2^31-1 s as HAProxy allows. */
function readLifetime(tls: GlobalTls, value: string, diag: Diagnostics, at: SourceRef): void {
  if (value === '') return void diag.badValue("'tune.ssl.lifetime' expects ssl sessions <lifetime> in seconds as argument.", at);
  const t = parseTime(value, 's');
  if (t.kind === 'bad-char') return void diag.badValue(`unexpected character '${t.char}' in argument to <tune.ssl.lifetime>.`, at, { found: value });
  // parseTime bounds milliseconds to 2^31-1; HAProxy bounds this one in seconds.
  const plainSeconds = /^\d+$/.test(value) ? Number(value) : undefined;
  let seconds: number;
  if (t.kind === 'ok') seconds = Math.ceil(t.ms / 1000);
  else if (plainSeconds !== undefined && plainSeconds <= 2147483647) seconds = plainSeconds;
  else {
    diag.badValue(`timer overflow in argument '${value}' to <tune.ssl.lifetime> (maximum value is 2147483647 s or ~68 years).`, at);
    return;
  }
  tls.lifetimeS = seconds;
}
