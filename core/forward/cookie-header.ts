// Cookie and Set-Cookie header scanning for cookie persistence, with HAProxy 2.6's exact byte rules (http_ana.c
// client/server side cookie management, §4.2 `cookie`): which cookie names a server, and how the header reads after
// our cookie is removed or its prefix stripped. Pure string work; forwarder threads, once per request/response.

/** The result of scanning one request `Cookie` header value. */
export interface RequestCookieScan {
  /** The value to forward; undefined when the whole header must go (nothing left in it). */
  readonly value: string | undefined;
  /** For each occurrence of the persistence cookie, in order: the server id part ('' when empty). */
  readonly ids: readonly string[];
}

/** How the request side treats the persistence cookie. */
export interface RequestCookieMode {
  /** `prefix` mode: the value is `SRVID~APPVALUE`; the `SRVID~` part is stripped before forwarding. */
  readonly prefix: boolean;
  /** `insert indirect`: our cookie is removed before forwarding, the server never sees it. */
  readonly remove: boolean;
}

const isSpHt = (c: string | undefined): boolean => c === ' ' || c === '\t';

// End of a cookie value: the first ',' or ';' outside a quoted string (HAProxy http_find_cookie_value_end).
function cookieValueEnd(h: string, from: number, end: number): number {
  let quoted = false;
  let escaped = false;
  for (let i = from; i < end; i++) {
    const c = h[i];
    if (escaped) escaped = false;
    else if (quoted) {
      if (c === '\\') escaped = true;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';') return i;
  }
  return end;
}

/**
 * Removes the cookie(s) from `from` up to `next` (the delimiter before the cookie now being read) the way HAProxy's
 * http_del_hdr_value does: at the start of the line it eats the delimiter and the blanks after it; elsewhere it
 * drops the blanks before the old delimiter and keeps that delimiter plus one space. Returns the new text, where
 * the removal started, and the length change.
 */
function deleteValues(h: string, from: number, next: number): { h: string; from: number; delta: number } {
  const end = h.length;
  let prev = from;
  let kept = '';
  if (prev === 0) {
    if (next < end) next++;
    while (next < end && isSpHt(h[next])) next++;
  } else {
    while (prev > 0 && isSpHt(h[prev - 1])) prev--;
    if (next < end) {
      kept = h[next] ?? '';
      next++;
      if (prev + 2 < next) kept += ' ';
      while (next < end && isSpHt(h[next])) next++;
    }
  }
  return { h: h.slice(0, prev) + kept + h.slice(next), from: prev, delta: prev + kept.length - next };
}

/**
 * Scans one request `Cookie` header value for the persistence cookie `name` (exact, case-sensitive), as HAProxy's
 * client-side cookie pass does: `;` and `,` separate cookies, `$attributes` are skipped, blanks around '=' are
 * removed from every cookie, the server id stops at '|' (a date suffix) or, in prefix mode, at '~'. Pure.
 */
export function scanRequestCookie(value: string, name: string, mode: RequestCookieMode): RequestCookieScan {
  let h = value;
  const ids: string[] = [];
  let delFrom = -1;
  let preserve = false;
  let next = 0;
  let first = true;
  for (let prev = 0; prev < h.length; prev = next) {
    // Past the first cookie, `prev` sits on the delimiter that ended the previous one.
    let attBeg = first ? prev : prev + 1;
    first = false;
    while (attBeg < h.length && isSpHt(h[attBeg])) attBeg++;
    // attEnd: just past the last non-blank of the name; equal: the '=' or the delimiter that ends the name.
    let equal = attBeg;
    let attEnd = attBeg;
    while (equal < h.length) {
      const c = h[equal];
      if (c === '=' || c === ',' || c === ';') break;
      equal++;
      if (!isSpHt(c)) attEnd = equal;
    }
    let valBeg = equal;
    let valEnd = equal;
    next = equal;
    if (equal < h.length && h[equal] === '=') {
      valBeg = equal + 1;
      while (valBeg < h.length && isSpHt(h[valBeg])) valBeg++;
      next = cookieValueEnd(h, valBeg, h.length);
      valEnd = next;
      while (valEnd > valBeg && isSpHt(h[valEnd - 1])) valEnd--;
    }
    if (h[attBeg] === '$') continue;
    if (equal === next) {
      // A cookie without '=' is not ours and stays; a pending removal before it happens now.
      preserve = true;
      if (delFrom >= 0) {
        const d = deleteValues(h, delFrom, prev);
        h = d.h;
        next += d.delta;
        delFrom = -1;
      }
      continue;
    }
    if (attEnd !== equal || valBeg > equal + 1) {
      // Blanks around '=' are squeezed out of every cookie (HAProxy rewrites them for captures and rewrites).
      let shift = 0;
      if (attEnd !== equal) {
        h = h.slice(0, attEnd) + h.slice(equal);
        shift = attEnd - equal;
        equal += shift;
        valBeg += shift;
      }
      if (valBeg > equal + 1) {
        const after = equal + 1 - valBeg;
        h = h.slice(0, equal + 1) + h.slice(valBeg);
        valBeg += after;
        shift += after;
      }
      valEnd += shift;
      next += shift;
    }
    if (h.slice(attBeg, attEnd) === name) {
      let delim = valEnd;
      if (mode.prefix) {
        const tilde = h.indexOf('~', valBeg);
        delim = tilde >= 0 && tilde < valEnd ? tilde : valEnd;
      } else {
        const bar = h.indexOf('|', valBeg);
        if (bar >= 0 && bar < valEnd) delim = bar;
      }
      ids.push(h.slice(valBeg, delim));
      if (mode.prefix && delim !== valEnd) {
        // The application's own value goes to the server without our `SRVID~`.
        h = h.slice(0, valBeg) + h.slice(delim + 1);
        next += valBeg - (delim + 1);
        delFrom = -1;
        preserve = true;
      } else if (delFrom < 0 && mode.remove) {
        delFrom = prev;
      }
    } else {
      preserve = true;
      if (delFrom >= 0) {
        const d = deleteValues(h, delFrom, prev);
        h = d.h;
        next += d.delta;
        delFrom = -1;
      }
    }
  }
  // Cookies still marked for removal at the end of the line: cut the tail, or drop the header if nothing else stays.
  if (delFrom >= 0) h = preserve ? h.slice(0, delFrom) : '';
  return { value: h === '' && value !== '' ? undefined : h, ids };
}

/** The first `NAME=VALUE` pair of a Set-Cookie value (HAProxy looks at no other), blanks around '=' removed. */
export interface SetCookiePair {
  readonly name: string;
  /** The whole header value with blanks around the first '=' removed (what HAProxy forwards). */
  readonly text: string;
  /** Where the cookie's value starts and ends in `text`. */
  readonly valueStart: number;
  readonly valueEnd: number;
}

/**
 * Parses the first cookie of a `Set-Cookie` value; undefined when it has no '=' (HAProxy leaves such headers
 * alone). Set-Cookie never folds on ',' (Expires dates hold commas), so only ';' ends the value here. Pure.
 */
export function parseSetCookie(value: string): SetCookiePair | undefined {
  let attBeg = 0;
  while (attBeg < value.length && isSpHt(value[attBeg])) attBeg++;
  let equal = attBeg;
  let attEnd = attBeg;
  while (equal < value.length) {
    const c = value[equal];
    if (c === '=' || c === ';') break;
    equal++;
    if (!isSpHt(c)) attEnd = equal;
  }
  if (equal >= value.length || value[equal] !== '=') return undefined;
  let valBeg = equal + 1;
  while (valBeg < value.length && isSpHt(value[valBeg])) valBeg++;
  const next = cookieValueEnd(value, valBeg, value.length);
  let valEnd = next;
  while (valEnd > valBeg && isSpHt(value[valEnd - 1])) valEnd--;
  const text = value.slice(0, attEnd) + '=' + value.slice(valBeg);
  const shift = attEnd + 1 - valBeg;
  return { name: value.slice(attBeg, attEnd), text, valueStart: valBeg + shift, valueEnd: valEnd + shift };
}
