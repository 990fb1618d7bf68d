// The request of an `option httpchk` exchange (manual §4.2 option httpchk, http-check send) exactly as HAProxy 2.6
// writes it (captured from /usr/sbin/haproxy). The response is read with the HTTP/1 codec (core/http1/), as HAProxy's
// checks use its H1 parser. Pure; the health-check thread uses it.

import type { HttpCheckConfig } from '../../config/model.js';

/**
 * The check request as HAProxy 2.6 sends it: `METHOD URI VERSION`, the `http-check send hdr` headers with their
 * names in lower case and in order, `content-length` when there is a body, then the connection header the version
 * needs (`connection: close` for HTTP/1.1; nothing for HTTP/1.0, where close is the default). A user `Connection`
 * header only chooses that value. A version string hiding headers after `\r\n` (the deprecated 1.x trick) has
 * them extracted like HAProxy does. Any other version than HTTP/1.0 is sent as HTTP/1.1. Pure; allocates.
 */
export function httpCheckRequest(cfg: HttpCheckConfig): Buffer {
  const [versionText = '', ...legacy] = cfg.version.split('\r\n');
  const v10 = versionText === 'HTTP/1.0';
  const headers: Array<[string, string]> = [];
  for (const line of legacy) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  headers.push(...cfg.headers.map(([n, v]): [string, string] => [n, v]));
  const body = cfg.body ?? '';
  let connection = 'close';
  const lines: string[] = [`${cfg.method} ${cfg.uri} ${v10 ? 'HTTP/1.0' : 'HTTP/1.1'}`];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    // HAProxy's H1 layer owns these: it decides the connection mode and frames the body itself.
    if (lower === 'connection') {
      connection = value.toLowerCase();
      continue;
    }
    if (body.length > 0 && (lower === 'content-length' || lower === 'transfer-encoding')) continue;
    lines.push(`${lower}: ${value}`);
  }
  if (body.length > 0) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  // Only the value that differs from the version's default goes out (close is 1.0's, keep-alive is 1.1's).
  if (v10 ? connection !== 'close' : connection !== 'keep-alive') lines.push(`connection: ${connection}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}
