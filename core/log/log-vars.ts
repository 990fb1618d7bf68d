// The `%` variables of HAProxy 2.6's log-format table (manual §8.2.4) that a traffic log line prints, read from a
// LogRecord and the shared buffer's counters at the moment the line is built; their `%{+Q,+X,+E}` options; and the
// escaping HAProxy applies to what comes from the client (the request line and captures: `#XX`). Forwarder threads;
// runs once per logged line, only for frontends that log.

import { hostname } from 'node:os';
import type { SharedState } from '../shared/state-buffer.js';
import { LOG_OPT } from '../acl/log-options.js';
import { CONN_ERRORS } from './connection-error.js';
import type { LogRecord } from './log-record.js';

/** What a line reads beside the record: names, the shared counters, the proxies' server names. */
export interface LineWorld {
  readonly frontends: readonly string[];
  /** The servers are the Config's own array on a forwarder: a server `add server` put there is logged by name. */
  readonly backends: readonly { readonly name: string; readonly servers: readonly { readonly name: string }[] }[];
  readonly state: SharedState | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function three(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

/** `03/Dec/2026:18:12:22` in local time (HAProxy's %t/%tr without the ms) or in UTC. */
export function dayTime(d: Date, utc: boolean): string {
  return utc
    ? `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
    : `${two(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The local zone as HAProxy prints it after %trl: `+0100`. */
function zone(d: Date): string {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${two(Math.floor(a / 60))}${two(a % 60)}`;
}

const scratchDate = new Date(0);

/**
 * The second a date text was last made for, and its texts: a busy thread logs many lines in the same second, and
 * the calendar getters (the local ones above all) cost more than the rest of the line.
 */
const cache = { second: -1, local: '', utc: '', zone: '' };

function cachedSecond(epochMs: number): typeof cache {
  const second = Math.floor(epochMs / 1000);
  if (second !== cache.second) {
    const d = scratchDate;
    d.setTime(second * 1000);
    cache.second = second;
    cache.local = dayTime(d, false);
    cache.utc = dayTime(d, true);
    cache.zone = zone(d);
  }
  return cache;
}

/** A date variable of `epochMs` (%t %tr %trg %trl %T %ms %Ts). Allocates the text; any thread. */
export function dateVar(name: string, epochMs: number): string {
  const c = cachedSecond(epochMs);
  const millis = three(Math.floor(epochMs) % 1000);
  switch (name) {
    case 't':
    case 'tr':
      return `${c.local}.${millis}`;
    case 'trg':
    case 'T':
      return `${c.utc} +0000`;
    case 'trl':
      return `${c.local} ${c.zone}`;
    case 'ms':
      return millis;
    default:
      return String(Math.floor(epochMs / 1000));
  }
}

/** HAProxy's `#XX` for bytes a log line must not carry raw: controls, DEL, 8-bit, `"` and `#` (`{|}` in captures). */
const REQUEST_UNSAFE = /[\x00-\x1f\x7f-\uffff"#]/;
const REQUEST_UNSAFE_ALL = /[\x00-\x1f\x7f-\uffff"#]/g;
const CAPTURE_UNSAFE = /[\x00-\x1f\x7f-\uffff"#{|}]/;
const CAPTURE_UNSAFE_ALL = /[\x00-\x1f\x7f-\uffff"#{|}]/g;

function hashEscape(c: string): string {
  return `#${(c.charCodeAt(0) & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The request line or a capture as HAProxy logs it (strings hold one byte per char: latin1). */
export function escapeRequest(text: string): string {
  return REQUEST_UNSAFE.test(text) ? text.replace(REQUEST_UNSAFE_ALL, hashEscape) : text;
}

export function escapeCapture(text: string): string {
  return CAPTURE_UNSAFE.test(text) ? text.replace(CAPTURE_UNSAFE_ALL, hashEscape) : text;
}

/** `{a|b}`: the captures in declaration order, absent ones empty. */
function captureBlock(values: readonly (string | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += '|';
    out += escapeCapture(values[i] ?? '');
  }
  return `${out}}`;
}

/** The same, space-separated: '-' for an absent one, or each quoted with `+Q` (%hrl, %hsl). */
function captureList(values: readonly (string | undefined)[], quoted: boolean): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const text = v === undefined ? (quoted ? '' : '-') : escapeCapture(v);
    out += `${i > 0 ? ' ' : ''}${quoted ? `"${text}"` : text}`;
  }
  return out;
}

/** Pieces of the request line: method, URI, path, query, version ('<BADREQ>' without one). */
function requestPart(name: string, line: string | undefined): string {
  if (line === undefined) return '<BADREQ>';
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  const method = sp1 < 0 ? line : line.slice(0, sp1);
  const uri = sp1 < 0 ? '' : sp2 > sp1 ? line.slice(sp1 + 1, sp2) : line.slice(sp1 + 1);
  const q = uri.indexOf('?');
  switch (name) {
    case 'HM':
      return escapeRequest(method);
    case 'HU':
      return escapeRequest(uri);
    case 'HP':
      return escapeRequest(q < 0 ? uri : uri.slice(0, q));
    case 'HPO': {
      const path = q < 0 ? uri : uri.slice(0, q);
      const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*(.*)$/.exec(path);
      return escapeRequest(m === null ? path : (m[1] ?? ''));
    }
    case 'HQ':
      return q < 0 ? '' : escapeRequest(uri.slice(q));
    default:
      return sp2 > sp1 ? line.slice(sp2 + 1) : 'HTTP/1.0';
  }
}

/** -1 stays -1; a time is whole ms. */
function ms(v: number): number {
  return v < 0 ? -1 : Math.floor(v);
}

/** Reads one variable's value off a record: text, a number, or undefined when it prints nothing at all. */
export type VarReader = (rec: LogRecord) => string | number | undefined;

const NOTHING: VarReader = () => undefined;

/**
 * The reader of `%name` (with its LOG_OPT `options`), compiled once per line: undefined from it means the variable
 * prints nothing at all (no captures declared for %hr/%hs): the separator after it is then not doubled. The readers
 * allocate only the strings they return.
 */
export function compileVar(name: string, world: LineWorld, options = 0): VarReader {
  const state = world.state;
  switch (name) {
    case '[ddb.err]':
      // Server text: escaped as client text is, so a reply cannot forge a line; HAProxy's '-' for an empty sample.
      return (rec) => (rec.ddbErr === '' ? '-' : escapeRequest(rec.ddbErr));
    case '[fc_err]':
      return (rec) => (rec.connError === undefined ? 0 : CONN_ERRORS[rec.connError][2]);
    case '[fc_err_str]':
      // HAProxy's '-' for a connection without an error (the sample fails).
      return (rec) => (rec.connError === undefined ? '-' : CONN_ERRORS[rec.connError][0]);
    case 'ci':
      return (rec) => rec.clientAddress;
    case 'cp':
      return (rec) => rec.clientPort;
    case 'fi':
      return (rec) => rec.frontendAddress;
    case 'fp':
      return (rec) => rec.frontendPort;
    case 'f':
      return (rec) => world.frontends[rec.frontend] ?? '-';
    case 'ft':
      // The frontend and its transport: a `~` after the name of a connection on an ssl bind.
      return (rec) => (rec.tls ? `${world.frontends[rec.frontend] ?? '-'}~` : (world.frontends[rec.frontend] ?? '-'));
    case 'b':
      return (rec) => rec.backend < 0 ? (world.frontends[rec.frontend] ?? '-') : (world.backends[rec.backend]?.name ?? '-');
    case 's':
      return (rec) => rec.server < 0 ? '<NOSRV>' : (world.backends[rec.backend]?.servers[rec.server]?.name ?? '<NOSRV>');
    case 'bi':
    case 'si':
      return (rec) => rec.server < 0 || rec.serverAddress === '' ? '-' : rec.serverAddress;
    case 'bp':
    case 'sp':
      return (rec) => rec.server < 0 || rec.serverAddress === '' ? '-' : rec.serverPort;
    case 't':
    case 'ms':
      return (rec) => dateVar(name, rec.acceptDate);
    case 'tr':
    case 'trg':
    case 'trl':
    case 'T':
    case 'Ts':
      return (rec) => name === 'Ts' ? Math.floor((rec.http ? rec.requestDate : rec.acceptDate) / 1000) : dateVar(name, rec.http ? rec.requestDate : rec.acceptDate);
    case 'Th':
      return () => 0;
    case 'Ti':
      return (rec) => ms(rec.ti);
    case 'TR':
      return (rec) => ms(rec.tR);
    case 'Tq':
      return (rec) => rec.tR < 0 ? -1 : ms(rec.ti + rec.tR);
    case 'Tw':
      return (rec) => ms(rec.tw);
    case 'Tc':
      return (rec) => ms(rec.tc);
    case 'Tr':
      return (rec) => ms(rec.tr);
    case 'Ta':
      return (rec) => ms(rec.ta);
    case 'Tt':
      return (rec) => ms(rec.tt);
    case 'ST':
      // A TCP session has no HTTP transaction: haproxy 2.6.12 prints 0 there (-1 is an HTTP one without a response).
      return (rec) => (rec.http ? rec.status : 0);
    case 'B':
      return (rec) => rec.bytesOut;
    case 'U':
      return (rec) => rec.bytesIn;
    case 'CC':
      return (rec) => rec.cookieRequest === undefined ? '-' : escapeCapture(rec.cookieRequest);
    case 'CS':
      return (rec) => rec.cookieResponse === undefined ? '-' : escapeCapture(rec.cookieResponse);
    case 'ts':
      return (rec) => rec.termination;
    case 'tsc':
      return (rec) => rec.termination + rec.cookieState;
    case 'ac':
      return () => (state === undefined ? 0 : state.loadGlobal('curConns'));
    case 'fc':
      return (rec) => state === undefined || rec.frontend < 0 ? 0 : state.frontend(rec.frontend).load('curConns');
    case 'bc':
      return (rec) => state === undefined || rec.backend < 0 ? 0 : state.backend(rec.backend).load('curConns');
    case 'sc':
      return (rec) => rec.server < 0 ? 0 : rec.serverConns;
    case 'rc':
      return (rec) => rec.redispatched ? `+${rec.retries}` : rec.retries;
    case 'sq':
      return (rec) => rec.serverQueue;
    case 'bq':
      return (rec) => rec.backendQueue;
    // A request that could not be parsed has no captures at all, not even `{}` (haproxy 2.6.12 measured).
    case 'hr':
      return (rec) => rec.requestCaptures.length === 0 || !rec.hasRequestLine ? undefined : captureBlock(rec.requestCaptures);
    case 'hs':
      return (rec) => rec.responseCaptures.length === 0 || !rec.hasRequestLine ? undefined : captureBlock(rec.responseCaptures);
    case 'hrl':
      return (rec) => rec.requestCaptures.length === 0 || !rec.hasRequestLine ? undefined : captureList(rec.requestCaptures, (options & LOG_OPT.Q) !== 0);
    case 'hsl':
      return (rec) => rec.responseCaptures.length === 0 || !rec.hasRequestLine ? undefined : captureList(rec.responseCaptures, (options & LOG_OPT.Q) !== 0);
    case 'r':
      return (rec) => rec.requestLine === undefined ? '<BADREQ>' : escapeRequest(rec.requestLine);
    case 'HM':
    case 'HU':
    case 'HP':
    case 'HPO':
    case 'HQ':
    case 'HV':
      return (rec) => requestPart(name, rec.requestLine);
    case 'ID':
      return (rec) => rec.uniqueId ?? '-';
    case 'pid':
      return () => process.pid;
    case 'H':
      return () => hostName();
    case 'lc':
      return (rec) => rec.lineCount;
    case 'rt':
      return (rec) => rec.requestCounter;
    default:
      return NOTHING;
  }
}

let host: string | undefined;

function hostName(): string {
  host ??= hostname();
  return host;
}
