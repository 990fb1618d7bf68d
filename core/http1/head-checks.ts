// The checks and rewrites HAProxy 2.6 applies to a parsed head's fields, in parser.ts's order, on a HeadView:
// framing (head-framing.ts), the request target against Host (target.ts, called only for the rare shapes that need
// it), the Upgrade rules, the 1xx/204 framing strip, and the Connection tokens the connection mode reads. Forwarder
// threads, once per message; the common request (origin-form, one Host, no Upgrade) allocates nothing.

import { JS_SPACE, listHasToken, spanIs } from './head-bytes.js';
import { dropFramingFields, framingError, readFraming, requestBodyOf } from './head-framing.js';
import { HDR, METHOD } from './head-names.js';
import { FIELD, TRANSFER, type HeadView } from './head-view.js';
import type { HeaderField } from './header-list.js';
import { checkRequestTarget } from './target.js';

const SLASH = 0x2f;
const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const STAR = 0x2a;
const WEBSOCKET_KEY_LENGTH = 24;
const codings = { otherCodings: false };
const FRAMING_BITS = (1 << HDR.CONTENT_LENGTH) | (1 << HDR.TRANSFER_ENCODING);

function refuse(view: HeadView, status: 400 | 422, reason: string): false {
  view.errorStatus = status;
  view.errorReason = reason;
  return false;
}

/**
 * After the fields of a request are read: framing (400; 422 for a coding before chunked), target and Host (400),
 * the framing rewrite, Upgrade (dropped with a body; a WebSocket key must be 24 chars), mustClose, the Connection
 * tokens and the body framing. False with view.errorStatus/errorReason set when HAProxy refuses the request.
 */
export function checkRequestFields(view: HeadView): boolean {
  if ((view.seen & FRAMING_BITS) !== 0) {
    if (!readFraming(view, true, codings)) return refuse(view, 400, framingError);
    if (codings.otherCodings) return refuse(view, 422, 'transfer coding other than chunked');
  }
  if (!checkTarget(view)) return false;
  const chunked = view.transfer === TRANSFER.CHUNKED;
  const hasBody = chunked || view.contentLength > 0;
  if ((view.seen & (1 << HDR.UPGRADE)) !== 0 && !checkUpgrade(view, hasBody)) return false;
  view.mustClose = chunked && view.contentLength >= 0;
  if ((view.seen & (1 << HDR.CONNECTION)) !== 0) readConnectionTokens(view);
  view.body = requestBodyOf(view);
  return true;
}

/**
 * After the fields of a response are read: framing (400 as a marker: the engine answers 502), the framing rewrite, a
 * 1xx or 204 losing Content-Length and Transfer-Encoding (measured on haproxy 2.6.12; a 304 keeps them), mustClose
 * and the Connection tokens.
 */
export function checkResponseFields(view: HeadView): boolean {
  if ((view.seen & FRAMING_BITS) !== 0 && !readFraming(view, false, codings)) return refuse(view, 400, framingError);
  const status = view.status;
  const framed = view.contentLength >= 0 || view.transfer !== TRANSFER.NONE;
  if (((status >= 100 && status < 200) || status === 204) && framed) dropFramingFields(view);
  view.mustClose = view.transfer === TRANSFER.CHUNKED && view.contentLength >= 0;
  if ((view.seen & (1 << HDR.CONNECTION)) !== 0) readConnectionTokens(view);
  return true;
}

/**
 * target.ts checkRequestTarget's rules. Nearly every request is origin-form (or `*`) with at most one Host: nothing
 * to compare or rewrite. Any other shape (absolute-form, CONNECT, several Host fields) is handed to target.ts itself
 * with the Host fields decoded, and its answer mapped back onto the view: one owner for those rules.
 */
function checkTarget(view: HeadView): boolean {
  const hosts = view.hostCount;
  const c0 = view.buf[view.base + view.targetStart];
  if (view.method !== METHOD.CONNECT && (c0 === SLASH || c0 === STAR) && hosts < 2) return true;
  const fields: HeaderField[] = [];
  const at: number[] = [];
  for (let i = 0; i < view.count; i++) {
    if (view.ids[i] !== HDR.HOST || !view.live(i)) continue;
    fields.push({ name: view.nameString(i), value: view.valueString(i) });
    at.push(i);
  }
  const target = view.targetString();
  const checked = checkRequestTarget(view.methodString(), target, fields);
  if ('error' in checked) return refuse(view, 400, checked.error);
  if (checked.target !== target) view.setTargetText(checked.target);
  // target.ts keeps the first of several equal Host fields and may give it a new value (a default port dropped).
  for (let k = 1; k < at.length && checked.headers.length < fields.length; k++) {
    const i = at[k] ?? 0;
    view.flags[i] = (view.flags[i] ?? 0) | FIELD.DROPPED;
  }
  const kept = checked.headers[0];
  const first = at[0];
  if (kept !== undefined && first !== undefined && kept.value !== fields[0]?.value) view.setValueText(first, kept.value);
  return true;
}

/**
 * parser.ts checkUpgrade: with a body the Upgrade fields are dropped (a 101 to it is then a 502); a WebSocket
 * upgrade (`Connection: upgrade` and `Upgrade: websocket`) needs every Sec-WebSocket-Key to be 24 chars, else 400.
 */
function checkUpgrade(view: HeadView, hasBody: boolean): boolean {
  if (hasBody) {
    for (let i = 0; i < view.count; i++) {
      if (view.ids[i] === HDR.UPGRADE) view.flags[i] = (view.flags[i] ?? 0) | FIELD.DROPPED;
    }
    return true;
  }
  if (!anyHasToken(view, HDR.CONNECTION, 'upgrade') || !anyHasToken(view, HDR.UPGRADE, 'websocket')) return true;
  let keys = 0;
  let wrong = false;
  for (let i = 0; i < view.count; i++) {
    if (view.ids[i] !== HDR.SEC_WEBSOCKET_KEY || !view.live(i)) continue;
    keys++;
    if (view.valueEnd(i) - view.valueStart(i) !== WEBSOCKET_KEY_LENGTH) wrong = true;
  }
  const valid = keys > 0 && !wrong;
  return valid ? true : refuse(view, 400, 'WebSocket upgrade without a valid Sec-WebSocket-Key');
}

/** True when a live field with this id lists `token` (lower case) among its comma-separated elements. */
function anyHasToken(view: HeadView, id: number, token: string): boolean {
  for (let i = 0; i < view.count; i++) {
    if (view.ids[i] === id && view.live(i) && listHasToken(view.valueBuf(i), view.valueStart(i), view.valueEnd(i), token)) return true;
  }
  return false;
}

/**
 * One pass over each Connection field's elements: HAProxy's H1_MF_CONN_CLO / _KAL / _UPG (l7-connection-mode.ts
 * connFlags: elements trimmed of SP/HTAB, compared folded) and what l7-connection-mode.ts cleanConnection will make of
 * the field (elements trimmed as String.trim() does, close and keep-alive removed): FIELD.CONN_DROP when nothing is
 * left, FIELD.CONN_TEXT when the text changes, neither when one other token stays as it is.
 */
function readConnectionTokens(view: HeadView): void {
  for (let i = 0; i < view.count; i++) {
    if (view.ids[i] !== HDR.CONNECTION || !view.live(i)) continue;
    const b = view.valueBuf(i);
    const s = view.valueStart(i);
    const e = view.valueEnd(i);
    let kept = 0;
    let whole = false;
    for (let e0 = s; e0 <= e; ) {
      let e1 = e0;
      while (e1 < e && b[e1] !== COMMA) e1++;
      let a = e0;
      let z = e1;
      while (a < z && (b[a] === SP || b[a] === HTAB)) a++;
      while (z > a && (b[z - 1] === SP || b[z - 1] === HTAB)) z--;
      // Each element is one of close / keep-alive / upgrade / another token: decided by its length first.
      const n = z - a;
      const close = n === 5 && spanIs(b, a, z, 'close');
      const keepAlive = n === 10 && spanIs(b, a, z, 'keep-alive');
      if (close) view.connClose = true;
      else if (keepAlive) view.connKeepAlive = true;
      else if (n === 7 && spanIs(b, a, z, 'upgrade')) view.connUpgrade = true;
      // cleanConnection trims more (VT, FF, CR, LF, NBSP): only then can its element differ from this one.
      let a2 = a;
      let z2 = z;
      while (a2 < z2 && JS_SPACE[b[a2] ?? 0] === 1) a2++;
      while (z2 > a2 && JS_SPACE[b[z2 - 1] ?? 0] === 1) z2--;
      const removed = a2 === a && z2 === z ? close || keepAlive : spanIs(b, a2, z2, 'close') || spanIs(b, a2, z2, 'keep-alive');
      if (a2 < z2 && !removed) {
        kept++;
        whole = a2 === s && z2 === e;
      }
      e0 = e1 + 1;
    }
    const clean = kept === 0 ? FIELD.CONN_DROP : kept === 1 && whole ? 0 : FIELD.CONN_TEXT;
    view.flags[i] = (view.flags[i] ?? 0) | clean;
  }
}
