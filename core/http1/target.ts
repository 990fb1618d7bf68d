// The request-target and Host checks of HAProxy 2.6's HTTP/1 layer (RFC 9112 §3.2, RFC 9110 §7.2 and §4.2.3 on
// default ports), measured on haproxy 2.6.12: repeated Host fields, the authority of an absolute-form or CONNECT
// target against Host, and the scheme-based normalisation that drops a default port. Forwarder threads, once per
// request head, from parseRequestHead; origin-form targets (nearly all traffic) leave after one look at the first byte.

import { headerValues, type HeaderField } from './header-list.js';

/** The head as HAProxy forwards it after these checks, or why it answers 400. */
export type TargetCheck = { readonly target: string; readonly headers: HeaderField[] } | { readonly error: string };

const SLASH = 0x2f;
const STAR = 0x2a;
const NO_DEFAULTS: readonly string[] = [];
const HTTP_DEFAULTS: readonly string[] = ['80'];
const HTTPS_DEFAULTS: readonly string[] = ['443'];
// A CONNECT target names no scheme; haproxy 2.6.12 treats both web ports as default there (measured: `CONNECT a:443`
// with `Host: a:443` reaches the server with `host: a`).
const CONNECT_DEFAULTS: readonly string[] = ['80', '443'];

/** Where the port of `authority` starts (after its last ':' outside an IPv6 literal), or -1 when it has none. */
function portColon(authority: string): number {
  const colon = authority.lastIndexOf(':');
  return colon < 0 || authority.indexOf(']', colon) >= 0 ? -1 : colon;
}

/** `authority` without a ":port" that is empty or one of `defaults` (http://a:80 and http://a: both mean http://a). */
function withoutDefaultPort(authority: string, defaults: readonly string[]): string {
  const colon = portColon(authority);
  if (colon < 0) return authority;
  const port = authority.slice(colon + 1);
  return port === '' || defaults.includes(port) ? authority.slice(0, colon) : authority;
}

/** Host and authority name the same origin: equal ignoring case, or once a default port is dropped from both. */
function sameOrigin(host: string, authority: string, defaults: readonly string[]): boolean {
  if (host.toLowerCase() === authority.toLowerCase()) return true;
  const h = withoutDefaultPort(host, defaults);
  const a = withoutDefaultPort(authority, defaults);
  return h.toLowerCase() === a.toLowerCase();
}

/** Several Host fields must be equal (400 otherwise, measured); identical ones are forwarded once. */
function singleHost(headers: HeaderField[], hosts: readonly string[]): HeaderField[] | undefined {
  if (hosts.length < 2) return headers;
  const first = (hosts[0] ?? '').toLowerCase();
  if (hosts.some((h) => h.toLowerCase() !== first)) return undefined;
  let seen = false;
  return headers.filter((h) => {
    if (h.name.toLowerCase() !== 'host') return true;
    const keep = !seen;
    seen = true;
    return keep;
  });
}

function withHost(headers: HeaderField[], value: string): HeaderField[] {
  return headers.map((h) => (h.name.toLowerCase() === 'host' ? { name: h.name, value } : h));
}

/**
 * Checks a request's target against its Host fields the way HAProxy 2.6 does, and normalises it. Measured on 2.6.12:
 * - several different Host fields: 400; identical ones are forwarded once;
 * - any target that is not origin-form ("/…") or asterisk-form ("*…") carries an authority: the text after "://"
 *   (or from the start when there is none) up to the first '/', userinfo left out; with a Host field the two must
 *   name the same origin, a default port (80 for http, 443 for https, either for CONNECT) or an empty one aside,
 *   else 400 (an empty authority, as in "http:///x", is not compared);
 * - an http or https target whose port is empty or the default loses it, and Host then takes the new authority
 *   (`GET http://a:80/x` + `Host: a` is forwarded as `GET http://a/x` + `host: a`);
 * - CONNECT needs "host:port" (400 otherwise); its target stays, Host loses a default port of its own.
 * Pure; allocates only when a field or the target changes.
 */
export function checkRequestTarget(method: string, target: string, headers: HeaderField[]): TargetCheck {
  const hosts = headerValues(headers, 'host');
  const deduped = singleHost(headers, hosts);
  if (deduped === undefined) return { error: 'several different Host headers' };
  const c0 = target.charCodeAt(0);
  const connect = method === 'CONNECT';
  // Hot path: origin-form and asterisk-form carry no authority.
  if (!connect && (c0 === SLASH || c0 === STAR)) return { target, headers: deduped };
  let start = 0;
  let end = target.length;
  let defaults = CONNECT_DEFAULTS;
  if (!connect) {
    const sep = target.indexOf('://');
    start = sep < 0 ? 0 : sep + 3;
    const slash = target.indexOf('/', start);
    if (slash >= 0) end = slash;
    const scheme = sep < 0 ? '' : target.slice(0, sep).toLowerCase();
    defaults = scheme === 'http' ? HTTP_DEFAULTS : scheme === 'https' ? HTTPS_DEFAULTS : NO_DEFAULTS;
  }
  const authority = target.slice(start, end);
  // Userinfo ("u:p@") is part of the authority but never of Host.
  const at = authority.lastIndexOf('@');
  const hostPart = at < 0 ? authority : authority.slice(at + 1);
  if (connect && !/:[0-9]+$/.test(hostPart)) return { error: 'CONNECT target without a port' };
  const host = hosts[0];
  if (host !== undefined && authority !== '' && !sameOrigin(host, hostPart, defaults)) {
    return { error: 'absolute-form authority differs from Host' };
  }
  if (defaults === NO_DEFAULTS) return { target, headers: deduped };
  if (connect) {
    // CONNECT keeps its target; Host loses a default port of its own (measured: `CONNECT A:443` with `Host: a:443`
    // is forwarded with `host: a`, the Host's spelling, where an absolute-form target hands Host its authority).
    const normalHost = host === undefined ? host : withoutDefaultPort(host, defaults);
    return { target, headers: normalHost === host || normalHost === undefined ? deduped : withHost(deduped, normalHost) };
  }
  const normal = withoutDefaultPort(hostPart, defaults);
  if (normal === hostPart) return { target, headers: deduped };
  const out = host === undefined ? deduped : withHost(deduped, normal);
  const userinfo = at < 0 ? '' : authority.slice(0, at + 1);
  return { target: target.slice(0, start) + userinfo + normal + target.slice(end), headers: out };
}
