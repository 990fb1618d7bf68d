// Header fetches (manual §7.3.6): req.hdr/hdr (comma-separated values), req.fhdr (whole lines), their counts
// (req.hdr_cnt, req.fhdr_cnt), the values read as integers (req.hdr_val) or addresses (req.hdr_ip), the same of the
// response (res.*, shdr*; `hdr` alone reads the message being handled, as in HAProxy 2.6) and the response's status and version, with
// HAProxy's occurrence rules: from an ACL every value in turn; otherwise the last one, or the <occ>-th (1 the
// first, -1 the last). The values are core/http1/head-fetch.ts's (the one reader of header values as HAProxy's rules
// see them). Forwarder threads, hot path: spans over the HeadView, nothing allocated (an IPv6 value is read through a
// short string).

import type { SampleArg } from '../../config/model.js';
import { Span, ValueCursor, countFields, countValues, fetchField, fetchValue, headerName as compileName, nextValue, type HeaderName } from '../http1/head-fetch.js';
import { readIPv6 } from '../net/ip-address.js';
import type { HeadView } from '../http1/head-view.js';
import { placeMask, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { SMP, readLeadingInt, type Sample } from './sample.js';

const REQUEST_PLACES = placeMask('..YYYYYYYYY...........');
/** The response fetches' places in HAProxy 2.6 (-dKsmp); orcalb evaluates them in the http-response rule sets. */
const RESPONSE_USE = placeMask('...........YYYYYYY.Y..');
const RESPONSE_PLACES = placeMask('............YY..YY.....');
/** `hdr` is direction-dependent in HAProxy: the request's in request rules, the response's in response rules. */
const HDR_PLACES = placeMask('..YYYYYYYYYYYYYYYY.Y..');

/** Which message a header fetch reads: the request, the response, or the one being handled (`hdr`). */
type Side = 'request' | 'response' | 'current';

/** The head a fetch of `side` reads in `ctx`, or undefined. */
function headOf(ctx: FetchContext, side: Side): HeadView | undefined {
  if (side === 'response' || (side === 'current' && ctx.response !== undefined)) return ctx.response;
  const head = ctx.head;
  return head !== undefined && head.isRequest ? head : undefined;
}

function headerName(args: readonly SampleArg[]): HeaderName | undefined {
  const a = args[0];
  return a?.kind !== 'str' || a.text === '' ? undefined : compileName(a.text);
}

function occurrence(args: readonly SampleArg[]): number {
  const a = args[1];
  return a?.kind === 'int' ? a.value : 0;
}

/**
 * The value fetch shared by req.hdr and req.fhdr: points `s` at the chosen value. `pick` transforms the span into the
 * sample's final form and returns false to skip a value (hdr_ip skips what is not an address).
 */
function valueFetch(name: HeaderName | undefined, split: boolean, occ: number, pick: (s: Sample) => boolean, side: Side): EvalFetch {
  const cur = new ValueCursor();
  const span = new Span();
  return (ctx, s, it) => {
    const head = headOf(ctx, side);
    if (head === undefined) return false;
    if (it.all && occ === 0) {
      if (it.count === 0) {
        cur.reset();
        it.count = 1;
      }
      // Bounded by the number of values: each turn consumes one.
      while (nextValue(head, name, split, cur, span)) {
        s.setStr(span.buf, span.start, span.end);
        if (!pick(s)) continue;
        s.notLast = true;
        return true;
      }
      return false;
    }
    // One value: the occ-th from the first (occ > 0) or from the last (occ < 0, or the last without occ).
    const found = split ? fetchValue(head, name, occ === 0 ? -1 : occ, span) : fetchField(head, name, occ === 0 ? -1 : occ, span);
    if (!found) return false;
    s.setStr(span.buf, span.start, span.end);
    return pick(s);
  };
}

const asString = (): boolean => true;

/** hdr_val: the value's leading integer (0 when it has none), as HAProxy's strl2ic reads it. */
function asInteger(s: Sample): boolean {
  const v = readLeadingInt(s.buf, s.start, s.end);
  s.setInt(Number.isNaN(v) ? 0 : v);
  return true;
}

/**
 * hdr_ip: an IPv4 address, maybe followed by `:port` (0-65535), or an IPv6 address; anything else is not one
 * (HAProxy moves on to the next value in an ACL).
 */
function asAddress(s: Sample): boolean {
  const b = s.buf;
  let p = s.start;
  const end = s.end;
  let word = 0;
  let dots = 0;
  let digits = 0;
  let octet = 0;
  for (; p < end; p++) {
    const c = b[p] ?? 0;
    if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + (c - 0x30);
      if (octet > 255 || ++digits > 3) break;
    } else if (c === 0x2e && digits > 0 && dots < 3) {
      word = word * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else break;
  }
  if (dots === 3 && digits > 0 && octet <= 255 && (p === end || b[p] === 0x3a)) {
    if (p < end) {
      const port = readLeadingInt(b, p + 1, end);
      let q = p + 1;
      while (q < end && (b[q] ?? 0) >= 0x30 && (b[q] ?? 0) <= 0x39) q++;
      if (q !== end || q === p + 1 || !(port >= 0 && port <= 65535)) return false;
    }
    const v = word * 256 + octet;
    s.ip[0] = Math.floor(v / 0x1000000) & 0xff;
    s.ip[1] = (v >>> 16) & 0xff;
    s.ip[2] = (v >>> 8) & 0xff;
    s.ip[3] = v & 0xff;
    s.type = SMP.IPV4;
    return true;
  }
  if (end - s.start > 45) return false;
  let text = '';
  for (let i = s.start; i < end; i++) text += String.fromCharCode(b[i] ?? 0);
  if (!readIPv6(text, 0, text.length, s.ip, 0)) return false;
  s.type = SMP.IPV6;
  return true;
}

/** Where a fetch of `side` may run (HAProxy's use mask) and where orcalb evaluates it. */
function placesOf(side: Side, use: number): { use: number; impl: number; source: string } {
  if (side === 'response') return { use: RESPONSE_USE, impl: RESPONSE_PLACES, source: 'HTTP response headers' };
  if (side === 'current') return { use, impl: use & (REQUEST_PLACES | RESPONSE_PLACES), source: 'HTTP request headers' };
  return { use, impl: use & REQUEST_PLACES, source: 'HTTP request headers' };
}

function valueDescriptor(
  name: string,
  split: boolean,
  out: FetchDescriptor['out'],
  pick: (s: Sample) => boolean,
  side: Side = 'request',
  use = REQUEST_PLACES,
): FetchDescriptor {
  return {
    name,
    args: { types: ['string', 'integer'], mandatory: 0 },
    out,
    ...placesOf(side, use),
    compile: (args) => valueFetch(headerName(args), split, occurrence(args), pick, side),
  };
}

function countDescriptor(name: string, split: boolean, side: Side = 'request', use = REQUEST_PLACES): FetchDescriptor {
  return {
    name,
    args: { types: ['string'], mandatory: 0 },
    out: SMP.SINT,
    ...placesOf(side, use),
    compile(args) {
      const header = headerName(args);
      return (ctx, s) => {
        const head = headOf(ctx, side);
        if (head === undefined) return false;
        return s.setInt(split ? countValues(head, header) : countFields(head, header));
      };
    },
  };
}

/** `status` and `res.ver`: the response's status line (a set-status rewrite included). */
function statusDescriptor(name: string, version: boolean): FetchDescriptor {
  return {
    name,
    args: { types: [], mandatory: 0 },
    out: version ? SMP.STR : SMP.SINT,
    use: version ? RESPONSE_USE : placeMask('...........YYYYYYYYY..'),
    impl: RESPONSE_PLACES,
    source: 'HTTP response headers',
    compile() {
      const v10 = Buffer.from('1.0');
      const v11 = Buffer.from('1.1');
      return (ctx, s) => {
        const res = ctx.response;
        if (res === undefined) return false;
        if (!version) return s.setInt(res.status);
        const v = res.version === '1.0' ? v10 : v11;
        return s.setStr(v, 0, v.length);
      };
    },
  };
}

export const HEADER_FETCHES: readonly FetchDescriptor[] = [
  valueDescriptor('req.hdr', true, SMP.STR, asString),
  valueDescriptor('hdr', true, SMP.STR, asString, 'current', HDR_PLACES),
  valueDescriptor('req.fhdr', false, SMP.STR, asString),
  countDescriptor('req.hdr_cnt', true),
  countDescriptor('hdr_cnt', true),
  countDescriptor('req.fhdr_cnt', false),
  valueDescriptor('req.hdr_val', true, SMP.SINT, asInteger),
  valueDescriptor('hdr_val', true, SMP.SINT, asInteger),
  valueDescriptor('req.hdr_ip', true, SMP.IPV4, asAddress),
  valueDescriptor('hdr_ip', true, SMP.IPV4, asAddress),
  valueDescriptor('res.hdr', true, SMP.STR, asString, 'response'),
  valueDescriptor('shdr', true, SMP.STR, asString, 'response'),
  valueDescriptor('res.fhdr', false, SMP.STR, asString, 'response'),
  countDescriptor('res.hdr_cnt', true, 'response'),
  countDescriptor('shdr_cnt', true, 'response'),
  countDescriptor('res.fhdr_cnt', false, 'response'),
  valueDescriptor('res.hdr_val', true, SMP.SINT, asInteger, 'response'),
  valueDescriptor('shdr_val', true, SMP.SINT, asInteger, 'response'),
  valueDescriptor('res.hdr_ip', true, SMP.IPV4, asAddress, 'response'),
  valueDescriptor('shdr_ip', true, SMP.IPV4, asAddress, 'response'),
  statusDescriptor('status', false),
  statusDescriptor('res.ver', true),
  statusDescriptor('resp_ver', true),
];
