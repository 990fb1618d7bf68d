// Walks the cookies of a request as HAProxy's req.cook fetches see them (manual §7.3.6): Cookie fields cut into
// `name=value` pairs at semicolons, names and values trimmed (RFC 6265), with haproxy 2.6.12's own limit on where a
// pair may start (measured). The ACL fetches' reading, apart from cookie persistence's (core/forward/cookie-header.ts),
// which follows HAProxy's persistence rules. Forwarder threads, hot path: offsets only, nothing allocated.

import { HDR } from '../http1/head-names.js';
import type { HeadView } from '../http1/head-view.js';

const SP = 0x20;
const HTAB = 0x09;
const SEMI = 0x3b;
const EQUALS = 0x3d;

/** A position in a head's Cookie fields, and the last pair found. */
export class Cursor {
  /** Field index to look at next. */
  field = 0;
  /** Offset in that field's value buffer to resume from; -1: at the start of the field. */
  pos = -1;
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  /** Cookie name span of the last pair (nextCookie). */
  nameStart = 0;
  nameEnd = 0;

  reset(): void {
    this.field = 0;
    this.pos = -1;
  }
}

/**
 * The next `name=value` pair of the Cookie fields after the cursor whose name is `cookie` (any name when
 * undefined): sets cur.nameStart/nameEnd and cur.start/end (the value, trimmed) and returns true; false past the
 * last. Pairs without `=` are skipped.
 */
export function nextCookie(head: HeadView, cookie: Uint8Array | undefined, cur: Cursor): boolean {
  while (cur.field < head.count) {
    const i = cur.field;
    if (!head.live(i) || head.ids[i] !== HDR.COOKIE) {
      cur.field++;
      cur.pos = -1;
      continue;
    }
    const b = head.valueBuf(i);
    const ve = head.valueEnd(i);
    let p = cur.pos < 0 ? head.valueStart(i) : cur.pos;
    const nameLen = cookie?.length ?? 0;
    // haproxy 2.6.12 looks at a pair only while more than `name=` is left from where it starts (measured: a field
    // that is just `theme=` has no cookie theme, `x=1; theme=` has one, `theme=;` too).
    while (p + nameLen + 1 < ve) {
      let e = p;
      while (e < ve && b[e] !== SEMI) e++;
      let ns = p;
      while (ns < e && (b[ns] === SP || b[ns] === HTAB)) ns++;
      let eq = ns;
      while (eq < e && b[eq] !== EQUALS) eq++;
      p = e + 1;
      if (eq >= e) continue;
      let ne = eq;
      while (ne > ns && (b[ne - 1] === SP || b[ne - 1] === HTAB)) ne--;
      if (cookie !== undefined && !sameBytes(b, ns, ne, cookie)) continue;
      let vs = eq + 1;
      let vz = e;
      while (vs < vz && (b[vs] === SP || b[vs] === HTAB)) vs++;
      while (vz > vs && (b[vz - 1] === SP || b[vz - 1] === HTAB)) vz--;
      cur.pos = p;
      cur.buf = b;
      cur.nameStart = ns;
      cur.nameEnd = ne;
      cur.start = vs;
      cur.end = vz;
      return true;
    }
    cur.field++;
    cur.pos = -1;
  }
  return false;
}

function sameBytes(b: Uint8Array, start: number, end: number, want: Uint8Array): boolean {
  if (end - start !== want.length) return false;
  for (let k = 0; k < want.length; k++) if (b[start + k] !== want[k]) return false;
  return true;
}
