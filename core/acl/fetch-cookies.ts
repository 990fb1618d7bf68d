// Request cookie fetches (manual §7.3.6): req.cook/cook (a cookie's value: the last occurrence, from an ACL each in
// turn, without a name the first cookie), req.cook_cnt/cook_cnt and req.cook_val/cook_val, over the Cookie fields of
// the request's HeadView. Forwarder threads, hot path: spans only, nothing allocated.

import type { SampleArg } from '../../config/model.js';
import { placeMask, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import { Cursor, nextCookie } from './cookie-pairs.js';
import { SMP, readLeadingInt, type Sample } from './sample.js';

const REQUEST_PLACES = placeMask('..YYYYYYYYY...........');

function cookieName(args: readonly SampleArg[]): Uint8Array | undefined {
  const a = args[0];
  return a?.kind === 'str' && a.text !== '' ? Buffer.from(a.text, 'utf8') : undefined;
}

/** The value fetch: each match in turn (ACL), else the last one (or the first cookie when no name is given). */
function cookieValue(name: Uint8Array | undefined, toInt: boolean): EvalFetch {
  const cur = new Cursor();
  const finish = (s: Sample): true => {
    if (!toInt) return true;
    const v = readLeadingInt(s.buf, s.start, s.end);
    return s.setInt(Number.isNaN(v) ? 0 : v);
  };
  return (ctx, s, it) => {
    const head = ctx.head;
    if (head === undefined || !head.isRequest) return false;
    if (it.all) {
      if (it.count === 0) {
        cur.reset();
        it.count = 1;
      }
      if (!nextCookie(head, name, cur)) return false;
      s.setStr(cur.buf, cur.start, cur.end);
      s.notLast = true;
      return finish(s);
    }
    cur.reset();
    let found = false;
    // Bounded by the cookies present: each turn consumes one pair.
    while (nextCookie(head, name, cur)) {
      s.setStr(cur.buf, cur.start, cur.end);
      found = true;
      if (name === undefined) break;
    }
    return found ? finish(s) : false;
  };
}

function valueDescriptor(name: string, toInt: boolean): FetchDescriptor {
  return {
    name,
    args: { types: ['string'], mandatory: 0 },
    out: toInt ? SMP.SINT : SMP.STR,
    use: REQUEST_PLACES,
    source: 'HTTP request headers',
    compile: (args) => cookieValue(cookieName(args), toInt),
  };
}

function countDescriptor(name: string): FetchDescriptor {
  return {
    name,
    args: { types: ['string'], mandatory: 0 },
    out: SMP.SINT,
    use: REQUEST_PLACES,
    source: 'HTTP request headers',
    compile(args) {
      const cookie = cookieName(args);
      const cur = new Cursor();
      return (ctx, s) => {
        const head = ctx.head;
        if (head === undefined || !head.isRequest) return false;
        cur.reset();
        let n = 0;
        while (nextCookie(head, cookie, cur)) n++;
        return s.setInt(n);
      };
    },
  };
}

export const COOKIE_FETCHES: readonly FetchDescriptor[] = [
  valueDescriptor('req.cook', false),
  valueDescriptor('cook', false),
  countDescriptor('req.cook_cnt'),
  countDescriptor('cook_cnt'),
  valueDescriptor('req.cook_val', true),
  valueDescriptor('cook_val', true),
];
