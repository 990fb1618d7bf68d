// A HeadView turned into the string objects of parser.ts (RequestHead, ResponseHead, HeaderField[]), for code that
// still takes those (the balancer's L7 key, cookie persistence, the health checks) and for the differential tests.
// Off the hot path: each call decodes every forwarded field. Any thread.

import { FIELD, type HeadView } from './head-view.js';
import type { HeaderField } from './header-list.js';
import type { RequestHead, ResponseHead } from './parser.js';

/** The forwarded fields (dropped ones left out), names as received, values as forwarded. Allocates. */
export function headerFieldsOf(view: HeadView): HeaderField[] {
  const out: HeaderField[] = [];
  for (let i = 0; i < view.count; i++) {
    if (((view.flags[i] ?? 0) & FIELD.DROPPED) !== 0) continue;
    out.push({ name: view.nameString(i), value: view.valueString(i) });
  }
  return out;
}

/** The request in `view` as parser.ts parseRequestHead returns it (same fields, same values). Allocates. */
export function requestHeadOf(view: HeadView): RequestHead {
  const head: RequestHead = {
    method: view.methodString(),
    target: view.targetString(),
    version: view.version,
    headers: headerFieldsOf(view),
  };
  return view.mustClose ? { ...head, mustClose: true } : head;
}

/** The response in `view` as parser.ts parseResponseHead returns it. Allocates. */
export function responseHeadOf(view: HeadView): ResponseHead {
  let head: ResponseHead = { version: view.version, status: view.status, reason: view.reasonString(), headers: headerFieldsOf(view) };
  const digits = view.statusEnd - view.statusStart;
  if (digits !== 3 || view.status < 100) head = { ...head, statusText: view.statusDigits() };
  if (view.mustClose) head = { ...head, mustClose: true };
  return head;
}
