// The sample fetch and converter keywords orcalb implements (manual §7.3), one family per file, and the ACL-only
// keywords (`hdr_beg` = `req.hdr -m beg`): the users' vocabulary in one place, like core/balance/registry.ts.
// config/ checks names, arguments and places here at load; every thread compiles rules from these descriptors.
// Adding a family = one file exporting a FetchDescriptor[] (or ConverterDescriptor[]) + one line below.

import type { MatchMethod } from '../../config/model.js';
import { IP_CONVERTERS } from './converters-ip.js';
import { MAP_CONVERTERS } from './converters-map.js';
import { TEXT_CONVERTERS } from './converters-text.js';
import type { ConverterDescriptor, FetchDescriptor } from './descriptor.js';
import { AUTH_FETCHES } from './fetch-auth.js';
import { COOKIE_FETCHES } from './fetch-cookies.js';
import { HEADER_FETCHES } from './fetch-headers.js';
import { INTERNAL_FETCHES } from './fetch-internal.js';
import { L4_FETCHES } from './fetch-l4.js';
import { SSL_FETCHES } from './fetch-ssl.js';
import { PAYLOAD_FETCHES } from './fetch-payload.js';
import { REQUEST_FETCHES } from './fetch-request.js';
import { STICK_FETCHES } from './fetch-stick.js';
import { VAR_FETCHES } from './fetch-vars.js';
import { HAPROXY_ACL_KEYWORDS, HAPROXY_CONVERTERS, HAPROXY_FETCHES } from './haproxy-keywords.js';

// In the manual's order: internal states, layer 4, layer 5 (SSL), buffer contents, HTTP.
const FETCH_FAMILIES: readonly (readonly FetchDescriptor[])[] = [
  INTERNAL_FETCHES,
  VAR_FETCHES,
  STICK_FETCHES,
  L4_FETCHES,
  SSL_FETCHES,
  PAYLOAD_FETCHES,
  REQUEST_FETCHES,
  HEADER_FETCHES,
  COOKIE_FETCHES,
  AUTH_FETCHES,
];

const CONVERTER_FAMILIES: readonly (readonly ConverterDescriptor[])[] = [TEXT_CONVERTERS, IP_CONVERTERS, MAP_CONVERTERS];

const FETCHES: ReadonlyMap<string, FetchDescriptor> = new Map(FETCH_FAMILIES.flat().map((f) => [f.name, f]));
const CONVERTERS: ReadonlyMap<string, ConverterDescriptor> = new Map(CONVERTER_FAMILIES.flat().map((c) => [c.name, c]));

/** The fetch registered under `name`, or undefined. Any thread; pure. */
export function getFetch(name: string): FetchDescriptor | undefined {
  return FETCHES.get(name);
}

/** The converter registered under `name`, or undefined. Any thread; pure. */
export function getConverter(name: string): ConverterDescriptor | undefined {
  return CONVERTERS.get(name);
}

/** Every fetch name orcalb implements, in registration order (README's table is checked against it). */
export function fetchNames(): string[] {
  return FETCH_FAMILIES.flat().map((f) => f.name);
}

/** Every converter name orcalb implements. */
export function converterNames(): string[] {
  return CONVERTER_FAMILIES.flat().map((c) => c.name);
}

const METHODS: ReadonlySet<string> = new Set(['found', 'bool', 'int', 'ip', 'bin', 'len', 'str', 'sub', 'reg', 'beg', 'end', 'dir', 'dom']);

/** True for a `-m` method name. */
export function isMatchMethod(name: string): name is MatchMethod {
  return METHODS.has(name);
}

/**
 * An ACL-only keyword (HAProxy's `-dKacl` list): the fetch it runs and its match method; undefined for any other
 * word. http_auth_group matches groups, a method of its own.
 */
export function aclKeyword(name: string): { readonly fetch: string; readonly method: MatchMethod } | undefined {
  const entry = HAPROXY_ACL_KEYWORDS.get(name);
  if (entry === undefined) return undefined;
  const [fetch, method] = entry;
  if (name === 'http_auth_group') return { fetch, method: 'group' };
  return isMatchMethod(method) ? { fetch, method } : undefined;
}

/** True when HAProxy 2.6 has a fetch of that name (implemented by orcalb or not). */
export function isHaproxyFetch(name: string): boolean {
  return HAPROXY_FETCHES.has(name) || HAPROXY_ACL_KEYWORDS.has(name);
}

/** True when HAProxy 2.6 has a converter of that name. */
export function isHaproxyConverter(name: string): boolean {
  return HAPROXY_CONVERTERS.has(name);
}
