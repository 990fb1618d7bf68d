// Test support: cookie persistence cases recorded from the real HAProxy 2.6.12 (tests/compat/cookie-persistence
// re-checks every recording against haproxy and against core/forward/cookie-persistence.ts). The L7 engine's
// end-to-end test can replay the same table through orcalb: same servers, same config, same expectations.

import type { CookieConfig, ServerConfig } from '../../config/model.js';

/** Servers of every case, in config order; `balance first` so the balancer's choice is the first running one. */
export const CASE_SERVERS = {
  /** s1 (cookie c1), s2 (c2) answer; s3 (c3) refuses connections and is marked DOWN by its check. */
  standard: ['s1', 's2', 's3'],
  /** The same behind s0, a running server without `cookie`. */
  cookielessFirst: ['s0', 's1', 's2', 's3'],
  /** s1, s2, and s4 (c4): its check fails (it probes a dead port) so it is DOWN, yet it answers requests. */
  downButAnswering: ['s1', 's2', 's4'],
} as const;

export type CaseTopology = keyof typeof CASE_SERVERS;

/** The `cookie` value of each server name (s0 has none). */
export const SERVER_COOKIES: Readonly<Record<string, string | undefined>> = {
  s0: undefined,
  s1: 'c1',
  s2: 'c2',
  s3: 'c3',
  s4: 'c4',
};
/** The server that is down (its check fails; its port refuses connections). */
export const DEAD_SERVER = 's3';
/** The server that is down by its check but still answers on its traffic port. */
export const DOWN_ANSWERING_SERVER = 's4';

export interface CookieCase {
  readonly name: string;
  /** The words after `cookie` on the backend's line. */
  readonly cookie: string;
  /** Extra backend lines, e.g. 'option persist', 'option redispatch'. */
  readonly options: readonly string[];
  readonly topology: CaseTopology;
  readonly method: 'GET' | 'POST';
  /** Request header lines besides Host, Connection: close and Content-Length. */
  readonly requestHeaders: readonly (readonly [string, string])[];
  /** Headers the backend adds to its answer (after x-served-by). */
  readonly responseHeaders: readonly (readonly [string, string])[];
  /** What haproxy did, as recorded. */
  readonly expect: {
    readonly status: number;
    /** The server that answered; null when none did (haproxy's own error). */
    readonly servedBy: string | null;
    /** The Cookie lines that server received. */
    readonly backendCookie: readonly string[];
    /** Every set-cookie / cache-control value the client got, in order. */
    readonly setCookie: readonly string[];
    readonly cacheControl: readonly string[];
  };
}

const INS = 'SRV insert indirect nocache';
const MAXAGE = [['Cache-Control', 'max-age=60']] as const;

export const COOKIE_CASES: readonly CookieCase[] = [
  {
    name: 'insert: first request gets the cookie; no freshness info, so no cache-control',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: [] },
  },
  {
    name: 'insert nocache: a cacheable answer (max-age) also gets cache-control: private',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [], responseHeaders: MAXAGE,
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: ['max-age=60', 'private'] },
  },
  {
    name: 'insert nocache: a validator (Last-Modified) makes the answer cacheable too',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [],
    responseHeaders: [['Last-Modified', 'Wed, 21 Oct 2015 07:28:00 GMT']],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: ['private'] },
  },
  {
    name: 'insert nocache: a POST answer is not cacheable',
    cookie: INS, options: [], topology: 'standard', method: 'POST', requestHeaders: [], responseHeaders: MAXAGE,
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: ['max-age=60'] },
  },
  {
    name: 'insert nocache: Cache-Control public makes even a POST answer cacheable',
    cookie: INS, options: [], topology: 'standard', method: 'POST', requestHeaders: [],
    responseHeaders: [['Cache-Control', 'public, max-age=60']],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: ['public, max-age=60', 'private'] },
  },
  {
    name: 'insert indirect: a valid cookie goes to its server, is removed, and is not set again',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'SRV=c2']], responseHeaders: MAXAGE,
    expect: { status: 200, servedBy: 's2', backendCookie: [], setCookie: [], cacheControl: ['max-age=60'] },
  },
  {
    name: 'insert indirect: only our cookie is cut out of the Cookie line',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'a=1; SRV=c2; b=2']], responseHeaders: [],
    expect: { status: 200, servedBy: 's2', backendCookie: ['a=1; b=2'], setCookie: [], cacheControl: [] },
  },
  {
    name: 'insert indirect: blanks around = are squeezed, our cookie at the end is cut (the blank before ; stays)',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'a = 1 ;SRV=c2']], responseHeaders: [],
    expect: { status: 200, servedBy: 's2', backendCookie: ['a=1 '], setCookie: [], cacheControl: [] },
  },
  {
    name: 'insert indirect: a second Cookie line holding only our cookie is dropped',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'a=1'], ['Cookie', 'SRV=c2']], responseHeaders: [],
    expect: { status: 200, servedBy: 's2', backendCookie: ['a=1'], setCookie: [], cacheControl: [] },
  },
  {
    name: 'insert: an unknown value is balanced and replaced',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'SRV=zz']], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: [] },
  },
  {
    name: 'insert: a cookie for a down server is balanced and replaced (no option persist)',
    cookie: INS, options: ['option redispatch'], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'SRV=c3']], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: [] },
  },
  {
    name: 'option persist: a cookie for a down server that refuses gives 503 without redispatch',
    cookie: INS, options: ['option persist'], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'SRV=c3']], responseHeaders: [],
    // haproxy's own 503 page carries cache-control: no-cache.
    expect: { status: 503, servedBy: null, backendCookie: [], setCookie: [], cacheControl: ['no-cache'] },
  },
  {
    name: 'option persist + redispatch: the failed down server is left for another, which sets its cookie',
    cookie: INS, options: ['option persist', 'option redispatch'], topology: 'standard', method: 'GET',
    requestHeaders: [['Cookie', 'SRV=c3']], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: [] },
  },
  {
    name: 'option persist: a client stays on a server marked DOWN that still answers, and gets no new cookie',
    cookie: INS, options: ['option persist', 'option redispatch'], topology: 'downButAnswering', method: 'GET',
    requestHeaders: [['Cookie', 'SRV=c4']], responseHeaders: [],
    expect: { status: 200, servedBy: 's4', backendCookie: [], setCookie: [], cacheControl: [] },
  },
  {
    name: 'without option persist the same client moves to a running server and gets its cookie',
    cookie: INS, options: ['option redispatch'], topology: 'downButAnswering', method: 'GET',
    requestHeaders: [['Cookie', 'SRV=c4']], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: [] },
  },
  {
    name: 'insert without indirect: the server sees the cookie; a valid one is not set again',
    cookie: 'SRV insert', options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'SRV=c2']], responseHeaders: [],
    expect: { status: 200, servedBy: 's2', backendCookie: ['SRV=c2'], setCookie: [], cacheControl: [] },
  },
  {
    name: 'insert: the server own cookie of that name is replaced by ours',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [],
    responseHeaders: [['Set-Cookie', 'SRV=app; path=/app'], ['Set-Cookie', 'other=1']],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['other=1', 'SRV=c1; path=/'], cacheControl: [] },
  },
  {
    name: 'insert indirect: on a direct request the server own cookie of that name is removed',
    cookie: INS, options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'SRV=c2']],
    responseHeaders: [['Set-Cookie', 'SRV=app; path=/app']],
    expect: { status: 200, servedBy: 's2', backendCookie: [], setCookie: [], cacheControl: [] },
  },
  {
    name: 'insert: httponly, secure and domain attributes in HAProxy order',
    cookie: 'SRV insert httponly secure domain .example.com domain example.org', options: [], topology: 'standard',
    method: 'GET', requestHeaders: [], responseHeaders: [],
    expect: {
      status: 200, servedBy: 's1', backendCookie: [],
      setCookie: ['SRV=c1; path=/; domain=.example.com; domain=example.org; HttpOnly; Secure'], cacheControl: [],
    },
  },
  {
    name: 'insert postonly: a GET gets no cookie',
    cookie: 'SRV insert postonly', options: [], topology: 'standard', method: 'GET', requestHeaders: [], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: [], cacheControl: [] },
  },
  {
    name: 'insert postonly: a POST gets the cookie',
    cookie: 'SRV insert postonly', options: [], topology: 'standard', method: 'POST', requestHeaders: [], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/'], cacheControl: [] },
  },
  {
    name: 'insert: a server without cookie value clears the client cookie',
    cookie: INS, options: [], topology: 'cookielessFirst', method: 'GET', requestHeaders: [], responseHeaders: [],
    expect: {
      status: 200, servedBy: 's0', backendCookie: [],
      setCookie: ['SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/'], cacheControl: [],
    },
  },
  {
    name: 'rewrite: the server own cookie value becomes the server id',
    cookie: 'SRV rewrite', options: [], topology: 'standard', method: 'GET', requestHeaders: [],
    responseHeaders: [['Set-Cookie', 'SRV=app; path=/; HttpOnly']],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['SRV=c1; path=/; HttpOnly'], cacheControl: [] },
  },
  {
    name: 'rewrite: a valid cookie is forwarded as is and the answer cookie rewritten (blanks squeezed)',
    cookie: 'SRV rewrite', options: [], topology: 'standard', method: 'GET', requestHeaders: [['Cookie', 'SRV=c2']],
    responseHeaders: [['Set-Cookie', 'SRV = app2 ; path=/']],
    expect: { status: 200, servedBy: 's2', backendCookie: ['SRV=c2'], setCookie: ['SRV=c2 ; path=/'], cacheControl: [] },
  },
  {
    name: 'rewrite: nothing is added when the server sets no cookie',
    cookie: 'SRV rewrite', options: [], topology: 'standard', method: 'GET', requestHeaders: [], responseHeaders: [],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: [], cacheControl: [] },
  },
  {
    name: 'prefix: the server id is put before the application value',
    cookie: 'JSESSIONID prefix', options: [], topology: 'standard', method: 'GET', requestHeaders: [],
    responseHeaders: [['Set-Cookie', 'JSESSIONID=abc; path=/']],
    expect: { status: 200, servedBy: 's1', backendCookie: [], setCookie: ['JSESSIONID=c1~abc; path=/'], cacheControl: [] },
  },
  {
    name: 'prefix: the request goes to the prefixed server and the prefix is stripped',
    cookie: 'JSESSIONID prefix', options: [], topology: 'standard', method: 'GET',
    requestHeaders: [['Cookie', 'x=1; JSESSIONID=c2~abc; y=2']], responseHeaders: [],
    expect: { status: 200, servedBy: 's2', backendCookie: ['x=1; JSESSIONID=abc; y=2'], setCookie: [], cacheControl: [] },
  },
  {
    name: 'prefix indirect: on a direct request the server own cookie is removed',
    cookie: 'JSESSIONID prefix indirect', options: [], topology: 'standard', method: 'GET',
    requestHeaders: [['Cookie', 'JSESSIONID=c2~abc']], responseHeaders: [['Set-Cookie', 'JSESSIONID=def; path=/']],
    expect: { status: 200, servedBy: 's2', backendCookie: ['JSESSIONID=abc'], setCookie: [], cacheControl: [] },
  },
];

/** The CookieConfig a `cookie` line's words describe (the subset the cases use; no validation). */
export function cookieConfigOf(words: string): CookieConfig {
  const w = words.split(/\s+/);
  const domains: string[] = [];
  w.forEach((x, i) => {
    if (x === 'domain') domains.push(w[i + 1] ?? '');
  });
  const mode = w.includes('rewrite') ? 'rewrite' : w.includes('prefix') ? 'prefix' : 'insert';
  return {
    source: { file: 'cases', line: 1 },
    name: w[0] ?? '',
    mode,
    indirect: w.includes('indirect'),
    nocache: w.includes('nocache'),
    postonly: w.includes('postonly'),
    httponly: w.includes('httponly'),
    secure: w.includes('secure'),
    domains,
  };
}

/** Server configs of a topology (addresses are irrelevant to the pure functions). */
export function caseServers(topology: CaseTopology): ServerConfig[] {
  return CASE_SERVERS[topology].map((name, i) => {
    const cookie = SERVER_COOKIES[name];
    return {
      source: { file: 'cases', line: 10 + i },
      name, address: '127.0.0.1', port: 1, weight: 1, backup: false, disabled: false, maxconn: 0, maxqueue: 0,
      check: name === DEAD_SERVER || name === DOWN_ANSWERING_SERVER, inter: 100, fastinter: 100, downinter: 100, rise: 1, fall: 1,
      sendProxy: 'none', checkSendProxy: false, slowstart: 0,
      ...(cookie === undefined ? {} : { cookie }),
    };
  });
}
