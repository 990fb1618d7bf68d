// Message body framing read from a HeadView's bytes (RFC 9112 §6; HAProxy 2.6 h1_parse_cont_len_header /
// h1_parse_xfer_enc_header): Content-Length and Transfer-Encoding validated with exactly framing.ts's rules and
// reasons, the framing rewrite HAProxy forwards (one merged Content-Length, none beside Transfer-Encoding), and how a
// response body ends for a given request method. Forwarder threads, once per message; allocates only on errors and
// for Content-Length values over 15 digits.

import { spanIs } from './head-bytes.js';
import { HDR, METHOD, type MethodId } from './head-names.js';
import { BODY, FIELD, TRANSFER, type BodyKind, type HeadView } from './head-view.js';

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
// HAProxy parses Content-Length into an unsigned 64-bit integer and refuses what overflows it.
const CL_MAX = 18446744073709551615n;
// Up to 15 digits a double holds the value exactly; longer elements go through BigInt, as framing.ts does.
const EXACT_DIGITS = 15;

/** Why the framing fields are refused, or '' when they are fine (framing.ts reasons, status 400). */
export let framingError = '';

function fail(reason: string): false {
  framingError = reason;
  return false;
}

/**
 * Reads Content-Length and Transfer-Encoding of `view` (every field, in order) into view.contentLength and
 * view.transfer, and rewrites them as HAProxy forwards them: with Transfer-Encoding present every Content-Length
 * field is dropped; several equal Content-Length fields or elements become the first field holding the first element
 * as written (`005`). Returns false with `framingError` set where framing.ts readFramingHeaders answers an error;
 * `otherCodings` (out) tells a coding before chunked (the request's 422). isRequest picks the side as there.
 */
export function readFraming(view: HeadView, isRequest: boolean, out: { otherCodings: boolean }): boolean {
  framingError = '';
  out.otherCodings = false;
  firstField = -1;
  if ((view.seen & (1 << HDR.CONTENT_LENGTH)) !== 0 && !readContentLength(view)) return false;
  let sawChunked = false;
  let anyTe = false;
  const teFields = (view.seen & (1 << HDR.TRANSFER_ENCODING)) === 0 ? 0 : view.count;
  for (let i = 0; i < teFields; i++) {
    if (view.ids[i] !== HDR.TRANSFER_ENCODING) continue;
    anyTe = true;
    const b = view.valueBuf(i);
    const vs = view.valueStart(i);
    const ve = view.valueEnd(i);
    // An empty value names no coding (the parser trimmed it: a blank-only value is empty here).
    if (vs === ve) continue;
    let e0 = vs;
    for (;;) {
      let e1 = e0;
      while (e1 < ve && b[e1] !== COMMA) e1++;
      let a = e0;
      let z = e1;
      while (a < z && (b[a] === SP || b[a] === HTAB)) a++;
      while (z > a && (b[z - 1] === SP || b[z - 1] === HTAB)) z--;
      // A trailing empty element after a comma is ignored (`chunked,`); any other empty one is a coding.
      const trailingEmpty = e1 === ve && a === z && e0 !== vs;
      if (!trailingEmpty) {
        if (spanIs(b, a, z, 'chunked')) {
          if (sawChunked) return fail('chunked applied twice');
          sawChunked = true;
        } else {
          if (sawChunked) return fail('chunked is not the final transfer coding');
          out.otherCodings = true;
        }
      }
      if (e1 === ve) break;
      e0 = e1 + 1;
    }
  }
  if (anyTe) {
    view.transfer = sawChunked ? TRANSFER.CHUNKED : TRANSFER.OTHER;
    if (isRequest && !sawChunked) return fail('request transfer-encoding without chunked');
    if (!isRequest && out.otherCodings) return fail('response transfer coding other than chunked');
  }
  rewriteContentLength(view);
  return true;
}

// The first Content-Length element: its field and span, for the merged field HAProxy forwards.
let firstField = -1;
let firstStart = 0;
let firstEnd = 0;
let merged = false;

/** Content-Length elements: digits only, all equal in value (005 == 5), at most 2^64 - 1. */
function readContentLength(view: HeadView): boolean {
  merged = false;
  let elements = 0;
  let canonNum = 0;
  let canonText: string | undefined;
  for (let i = 0; i < view.count; i++) {
    if (view.ids[i] !== HDR.CONTENT_LENGTH) continue;
    const b = view.valueBuf(i);
    const vs = view.valueStart(i);
    const ve = view.valueEnd(i);
    let e0 = vs;
    for (;;) {
      let e1 = e0;
      while (e1 < ve && b[e1] !== COMMA) e1++;
      let a = e0;
      let z = e1;
      while (a < z && (b[a] === SP || b[a] === HTAB)) a++;
      while (z > a && (b[z - 1] === SP || b[z - 1] === HTAB)) z--;
      elements++;
      let n = 0;
      for (let k = a; k < z; k++) {
        const d = (b[k] ?? 0) - 0x30;
        if (d < 0 || d > 9) return fail(`bad content-length "${view.valueString(i)}"`);
        n = n * 10 + d;
      }
      if (a === z) return fail(`bad content-length "${view.valueString(i)}"`);
      let text: string | undefined;
      if (z - a > EXACT_DIGITS) {
        const element = b.toString('latin1', a, z);
        const big = BigInt(element);
        if (big > CL_MAX) return fail(`content-length overflow "${element}"`);
        text = big.toString();
        n = Number(big);
      }
      if (firstField < 0) {
        firstField = i;
        firstStart = a;
        firstEnd = z;
        canonNum = n;
        canonText = text;
        view.contentLength = n;
      } else if (text === undefined && canonText === undefined ? n !== canonNum : (text ?? String(n)) !== (canonText ?? String(canonNum))) {
        return fail('several different content-length values');
      }
      if (e1 === ve) break;
      e0 = e1 + 1;
    }
  }
  merged = elements > 1;
  return true;
}

/** framing.ts applyFramingRewrite on the view: drop every Content-Length beside TE, or merge them into the first. */
function rewriteContentLength(view: HeadView): void {
  if (firstField < 0) return;
  const dropAll = view.transfer !== TRANSFER.NONE;
  if (!dropAll && !merged) return;
  for (let i = 0; i < view.count; i++) {
    if (view.ids[i] !== HDR.CONTENT_LENGTH) continue;
    if (dropAll || i !== firstField) view.flags[i] = (view.flags[i] ?? 0) | FIELD.DROPPED;
  }
  if (dropAll) return;
  // The kept field's value becomes its first element: a sub-span of the value it already has (buf or extra).
  const extra = ((view.flags[firstField] ?? 0) & FIELD.EXTRA) !== 0;
  view.spans[firstField * 4 + 2] = extra ? firstStart : firstStart - view.base;
  view.spans[firstField * 4 + 3] = extra ? firstEnd : firstEnd - view.base;
  view.flags[firstField] = (view.flags[firstField] ?? 0) & ~FIELD.CANON;
}

/** Drops every Content-Length and Transfer-Encoding field (a 1xx or 204 cannot show framing). */
export function dropFramingFields(view: HeadView): void {
  for (let i = 0; i < view.count; i++) {
    const id = view.ids[i];
    if (id === HDR.CONTENT_LENGTH || id === HDR.TRANSFER_ENCODING) view.flags[i] = (view.flags[i] ?? 0) | FIELD.DROPPED;
  }
}

/** A request's body framing from its parsed fields (framing.ts requestFraming, errors already refused). */
export function requestBodyOf(view: HeadView): BodyKind {
  if (view.transfer === TRANSFER.CHUNKED) return BODY.CHUNKED;
  return view.contentLength > 0 ? BODY.LENGTH : BODY.NONE;
}

/**
 * How the body of the response in `view` ends for a request with method `method` (framing.ts responseFraming):
 * none for HEAD, 1xx, 204, 304 and a 2xx to CONNECT; then chunked, until close for a Transfer-Encoding without
 * chunked, a length (view.contentLength) or none for 0, and until close without either. Pure; allocates nothing.
 */
export function responseBody(view: HeadView, method: MethodId): BodyKind {
  const status = view.status;
  if (method === METHOD.HEAD || (status >= 100 && status < 200) || status === 204 || status === 304) return BODY.NONE;
  if (method === METHOD.CONNECT && status >= 200 && status < 300) return BODY.NONE;
  if (view.transfer === TRANSFER.CHUNKED) return BODY.CHUNKED;
  if (view.transfer === TRANSFER.OTHER) return BODY.UNTIL_CLOSE;
  if (view.contentLength >= 0) return view.contentLength === 0 ? BODY.NONE : BODY.LENGTH;
  return BODY.UNTIL_CLOSE;
}
