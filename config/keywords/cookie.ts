// `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly] [secure]
// [domain <d>]* [maxidle <t>] [maxlife <t>] [dynamic] [attr <v>]*` (manual §4.2 "cookie") → config/model.ts
// CookieConfig, with HAProxy 2.6's checks and texts; the options orcalb does not implement are warned about.
// Main thread, config parsing.

import type { CookieConfig } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseTime } from '../units.js';

const SUPPORTED =
  "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', " +
  "'dynamic', 'maxlife' and 'attr' options.";

type Flag = 'indirect' | 'nocache' | 'postonly' | 'httponly' | 'secure';
const FLAGS: readonly string[] = ['indirect', 'nocache', 'postonly', 'httponly', 'secure'];

/** Parses a `cookie` line; the proxy's cookie is replaced only when the whole line is valid. */
export function parseCookieLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const name = args[1] ?? '';
  if (name === '') {
    diag.badValue("'cookie' expects <cookie_name> as argument.", at);
    return;
  }
  let mode: CookieConfig['mode'] | undefined;
  const flags = new Set<Flag>();
  const domains: string[] = [];
  let preserve = false;
  const unimplemented: string[] = [];
  for (let i = 2; i < args.length; i++) {
    const word = args[i] ?? '';
    const value = args[i + 1];
    if (word === 'insert' || word === 'rewrite' || word === 'prefix') {
      if (mode !== undefined && mode !== word) {
        diag.badValue("cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.", at);
        return;
      }
      mode = word;
    } else if (FLAGS.includes(word)) {
      flags.add(word as Flag);
    } else if (word === 'preserve') {
      preserve = true;
    } else if (word === 'domain') {
      if (value === undefined || value === '') return void diag.badValue("'domain' expects <domain> as argument.", at);
      // RFC 6265 §5.2.3: browsers ignore a Domain attribute naming a single label.
      if (!value.includes('.')) {
        diag.warn(`domain '${value}' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3).`, at);
      }
      domains.push(value);
      i++;
    } else if (word === 'maxidle' || word === 'maxlife') {
      const what = word === 'maxidle' ? 'idletime' : 'lifetime';
      if (value === undefined || value === '') {
        return void diag.badValue(`'${word}' expects <${what}> in seconds as argument.`, at);
      }
      const t = parseTime(value, 's');
      if (t.kind === 'bad-char') return void diag.badValue(`unexpected character '${t.char}' in argument to <${word}>.`, at);
      unimplemented.push(word);
      i++;
    } else if (word === 'dynamic') {
      unimplemented.push(word);
    } else if (word === 'attr') {
      if (value === undefined || value === '') return void diag.badValue("'attr' expects <value> as argument.", at);
      // RFC 6265: an attribute value holds no control character and no ';'.
      const bad = [...value].find((c) => c === ';' || (c.codePointAt(0) ?? 0) < 0x20 || c === '\x7f');
      if (bad !== undefined) {
        const hex = (bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(2, '0');
        return void diag.badValue(`character '%x${hex}' is not permitted in attribute value.`, at);
      }
      unimplemented.push(word);
      i++;
    } else {
      diag.badValue(SUPPORTED, at, { found: word });
      return;
    }
  }
  if (mode === 'rewrite' && flags.has('indirect')) {
    diag.badValue("cookie 'rewrite' and 'indirect' modes are incompatible.", at);
    return;
  }
  if (preserve && mode !== 'insert' && !flags.has('indirect')) {
    diag.badValue("cookie 'preserve' requires at least 'insert' or 'indirect'.", at);
    return;
  }
  for (const word of [...(preserve ? ['preserve'] : []), ...unimplemented]) {
    diag.notImplemented(`cookie ${word}`, at);
  }
  if (mode === undefined) {
    // HAProxy's passive form (the server sets the cookie itself) has no CookieConfig mode yet.
    diag.notImplemented('cookie (no insert, rewrite or prefix)', at, 'ignored', {
      warning: "'cookie' without 'insert', 'rewrite' or 'prefix' is not implemented yet by orcalb; no cookie persistence",
    });
    proxy.cookie = undefined;
    return;
  }
  proxy.cookie = {
    source: at,
    name,
    mode,
    indirect: flags.has('indirect'),
    nocache: flags.has('nocache'),
    postonly: flags.has('postonly'),
    httponly: flags.has('httponly'),
    secure: flags.has('secure'),
    domains,
  };
}
