// Request header fetches (manual §7.3.6): req.hdr/hdr (comma-separated values), req.fhdr (whole lines), their
// counts (req.hdr_cnt, req.fhdr_cnt), and the values read as integers (req.hdr_val) or addresses (req.hdr_ip), with
// HAProxy's occurrence rules: from an ACL every value in turn; otherwise the last one, or the <occ>-th (1 the
// first, -1 the last). The values are core/http1/head-fetch.ts's (the one reader of header values as HAProxy's rules
// see them). Forwarder threads, hot path: spans over the HeadView, nothing allocated (an IPv6 value is read through a
// short string).

import type { SampleArg } from '../../config/model.js';
import { Span, ValueCursor, countFields, countValues, fetchField, fetchValue, headerName as compileName, nextValue, type HeaderName } from '../http1/head-fetch.js';
import { readIPv6 } from '../net/ip-address.js';
import { placeMask, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import { SMP, readLeadingInt, type Sample } from './sample.js';

const REQUEST_PLACES = placeMask('..YYYYYYYYY...........');
/** `hdr` is direction-dependent in HAProxy (res.hdr in response rules); orcalb implements its request side. */
const HDR_PLACES = placeMask('..YYYYYYYYYYYYYYYY.Y..');

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
function valueFetch(name: HeaderName | undefined, split: boolean, occ: number, pick: (s: Sample) => boolean): EvalFetch {
  const cur = new ValueCursor();
  const span = new Span();
  return (ctx, s, it) => {
    const head = ctx.head;
    if (head === undefined || !head.isRequest) return false;
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

function valueDescriptor(
  name: string,
  split: boolean,
  out: FetchDescriptor['out'],
  pick: (s: Sample) => boolean,
  use = REQUEST_PLACES,
): FetchDescriptor {
  return {
    name,
    args: { types: ['string', 'integer'], mandatory: 0 },
    out,
    use,
    impl: use & REQUEST_PLACES,
    source: 'HTTP request headers',
    compile: (args) => valueFetch(headerName(args), split, occurrence(args), pick),
  };
}

function countDescriptor(name: string, split: boolean): FetchDescriptor {
  return {
    name,
    args: { types: ['string'], mandatory: 0 },
    out: SMP.SINT,
    use: REQUEST_PLACES,
    source: 'HTTP request headers',
    compile(args) {
      const header = headerName(args);
      return (ctx, s) => {
        const head = ctx.head;
        if (head === undefined || !head.isRequest) return false;
        return s.setInt(split ? countValues(head, header) : countFields(head, header));
      };
    },
  };
}

export const HEADER_FETCHES: readonly FetchDescriptor[] = [
  valueDescriptor('req.hdr', true, SMP.STR, asString),
  valueDescriptor('hdr', true, SMP.STR, asString, HDR_PLACES),
  valueDescriptor('req.fhdr', false, SMP.STR, asString),
  countDescriptor('req.hdr_cnt', true),
  countDescriptor('hdr_cnt', true),
  countDescriptor('req.fhdr_cnt', false),
  valueDescriptor('req.hdr_val', true, SMP.SINT, asInteger),
  valueDescriptor('hdr_val', true, SMP.SINT, asInteger),
  valueDescriptor('req.hdr_ip', true, SMP.IPV4, asAddress),
  valueDescriptor('hdr_ip', true, SMP.IPV4, asAddress),
];
