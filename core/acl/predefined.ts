// HAProxy's pre-defined ACLs (manual §7.4): TRUE, FALSE, HTTP, HTTP_1.0, HTTP_CONTENT, LOCALHOST, METH_GET, … each
// written as the ACL line the manual gives as its equivalent, parsed by the same parser as users' ACLs. A name a
// proxy declares itself takes precedence (conditions look the proxy's ACLs up first). Any thread; parsed on first use.

import type { AclSpec } from '../../config/model.js';
import { parseAclTest } from './acl-parse.js';

/** §7.4's table: name → the equivalent criterion and patterns. */
const EQUIVALENTS: ReadonlyMap<string, readonly string[]> = new Map([
  ['FALSE', ['always_false']],
  ['HTTP', ['req.proto_http']],
  ['HTTP_1.0', ['req.ver', '1.0']],
  ['HTTP_1.1', ['req.ver', '1.1']],
  ['HTTP_2.0', ['req.ver', '2.0']],
  ['HTTP_CONTENT', ['req.hdr_val(content-length)', 'gt', '0']],
  ['HTTP_URL_ABS', ['url_reg', '^[^/:]*://']],
  ['HTTP_URL_SLASH', ['url_beg', '/']],
  ['HTTP_URL_STAR', ['url', '*']],
  ['LOCALHOST', ['src', '127.0.0.1/8', '::1']],
  ['METH_CONNECT', ['method', 'CONNECT']],
  ['METH_DELETE', ['method', 'DELETE']],
  ['METH_GET', ['method', 'GET', 'HEAD']],
  ['METH_HEAD', ['method', 'HEAD']],
  ['METH_OPTIONS', ['method', 'OPTIONS']],
  ['METH_POST', ['method', 'POST']],
  ['METH_PUT', ['method', 'PUT']],
  ['METH_TRACE', ['method', 'TRACE']],
  ['RDP_COOKIE', ['req.rdp_cookie_cnt', 'gt', '0']],
  ['REQ_CONTENT', ['req.len', 'gt', '0']],
  ['TRUE', ['always_true']],
  ['WAIT_END', ['wait_end']],
]);

const cache = new Map<string, AclSpec | { readonly notImplemented: string }>();

/** True for a pre-defined ACL name. */
export function isPredefinedAcl(name: string): boolean {
  return EQUIVALENTS.has(name);
}

/**
 * The pre-defined ACL `name` as an AclSpec; `{ notImplemented }` when its fetch is one orcalb lacks (RDP_COOKIE);
 * undefined for any other name.
 */
export function predefinedAcl(name: string): AclSpec | { readonly notImplemented: string } | undefined {
  const words = EQUIVALENTS.get(name);
  if (words === undefined) return undefined;
  let spec = cache.get(name);
  if (spec === undefined) {
    const parsed = parseAclTest(words, { file: '<predefined>', line: 0 }, { readFile: () => ({ error: 'no file' }) });
    spec = parsed.ok ? { name, tests: [parsed.spec] } : { notImplemented: parsed.notImplemented ?? name };
    cache.set(name, spec);
  }
  return spec;
}
