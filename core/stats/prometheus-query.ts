// The query string of a Prometheus exporter request (`/metrics?scope=server&no-maint`), read as HAProxy 2.6's PROMEX
// reads it: parameters from the '?' to a '#', `scope` repeatable and applied in order (a name adds that scope, a value
// starting with '*' adds all, an empty value clears all), `no-maint`; an unknown scope, a `scope` without '=', a
// second '=' in one parameter or a bad %-escape is a 400. Unknown parameters are ignored. Pure; the stats thread.

/** The metric groups a `scope` parameter selects: 2.6's six, and orcalb's own families. */
export const PromScope = {
  GLOBAL: 1,
  FRONTEND: 2,
  LISTENER: 4,
  BACKEND: 8,
  SERVER: 16,
  STICKTABLE: 32,
  /** The orcalb_* families: exported by default and with `*`, or asked for with `scope=orcalb` (ours). */
  ORCALB: 64,
} as const;

/** Every scope: what no `scope` parameter and `scope=*` mean. */
export const PROM_SCOPE_ALL = 127;

const SCOPE_NAMES: ReadonlyMap<string, number> = new Map([
  ['global', PromScope.GLOBAL],
  ['frontend', PromScope.FRONTEND],
  ['listener', PromScope.LISTENER],
  ['backend', PromScope.BACKEND],
  ['server', PromScope.SERVER],
  ['sticktable', PromScope.STICKTABLE],
  ['orcalb', PromScope.ORCALB],
]);

/** What the query string of a /metrics request asks for. */
export interface PrometheusQuery {
  /** Bit set of PromScope values. */
  readonly scopes: number;
  /** `no-maint`: leave out the servers in maintenance (every haproxy_server_* line for them). */
  readonly noMaint: boolean;
}

/** The default query: everything. */
export const PROMETHEUS_QUERY_ALL: PrometheusQuery = { scopes: PROM_SCOPE_ALL, noMaint: false };

/** Longest query string read; a longer one is a 400 (2.6 copies it into one buffer of tune.bufsize). */
export const MAX_PROMETHEUS_QUERY = 16384;

/**
 * %-decodes a key or value with '+' as a space (HAProxy's url_decode in query mode); undefined when malformed. The
 * text ends at a decoded NUL, as 2.6 compares C strings: `scope=server%00x` is `scope=server` (measured: 200).
 */
function urlDecode(s: string): string | undefined {
  if (!s.includes('%') && !s.includes('+')) return s;
  const spaced = s.replace(/\+/g, ' ');
  let out: string;
  try {
    out = decodeURIComponent(spaced);
  } catch {
    // A lone '%' or a non-hex escape: HAProxy's decoder fails on those too. A valid escape of a byte that is not
    // UTF-8 also lands here; decode it bytewise instead (HAProxy compares bytes).
    if (/%(?![0-9a-fA-F]{2})/.test(spaced)) return undefined;
    out = spaced.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  const nul = out.indexOf('\0');
  return nul >= 0 ? out.slice(0, nul) : out;
}

/**
 * Parses the query string of a /metrics request: the part after the first '?' of a request target, or a bare query
 * (`a=b&c`); text from '#' on is ignored. No `scope` at all means every scope. Returns undefined for a request haproxy
 * answers 400. Pure; never throws.
 */
export function parsePrometheusQuery(query: string): PrometheusQuery | undefined {
  const q = query.indexOf('?');
  let s = q >= 0 ? query.slice(q + 1) : query;
  if (s.length > MAX_PROMETHEUS_QUERY) return undefined;
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash);
  let scopes = 0;
  let scopeSeen = false;
  let noMaint = false;
  for (const param of s.split('&')) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const rawKey = eq >= 0 ? param.slice(0, eq) : param;
    const rawValue = eq >= 0 ? param.slice(eq + 1) : undefined;
    if (rawValue !== undefined && rawValue.includes('=')) return undefined;
    const key = urlDecode(rawKey);
    const value = rawValue === undefined ? undefined : urlDecode(rawValue);
    if (key === undefined || (rawValue !== undefined && value === undefined)) return undefined;
    if (key === 'scope') {
      scopeSeen = true;
      if (value === undefined) return undefined;
      if (value === '') scopes = 0;
      else if (value.startsWith('*')) scopes = PROM_SCOPE_ALL;
      else {
        const bit = SCOPE_NAMES.get(value);
        if (bit === undefined) return undefined;
        scopes |= bit;
      }
    } else if (key === 'no-maint') {
      noMaint = true;
    }
  }
  return { scopes: scopeSeen ? scopes : PROM_SCOPE_ALL, noMaint };
}
