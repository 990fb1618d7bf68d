// `set-src`, `set-src-port`, `set-dst`, `set-dst-port <expr>` (HAProxy 2.6 §4.2: http-request, and tcp-request
// connection|session|content): the expression's value becomes the connection's client (src) or destination (dst)
// address or port in its FetchContext, the one owner of "the current addresses", from which every later consumer reads
// them (fetches, stick keys, forwardfor, the PROXY line to a send-proxy server, balance source; client-origin.ts
// ruleAddresses). Semantics measured on haproxy 2.6.12: an address keeps the port; a value that is no address or
// no integer, or no value at all, changes nothing; a port is the integer's low 16 bits (70000 → 4464, -1 → 65535,
// past the 64-bit range saturated first), text that does not start with digits is port 0. A connection or session
// rule's change lasts for the connection; an http-request (or tcp-request content) rule's for its request only: the
// next request of a keep-alive client has the connection's addresses again (2.6 keeps them per stream). Compile: each
// forwarder at start; run(): forwarder threads, on the hot path of rules that use it, allocation-free.

import type { AddressActionName, SampleExprSpec } from '../../config/model.js';
import type { CompileEnv, Compiled } from '../acl/descriptor.js';
import type { FetchContext } from '../acl/fetch-context.js';
import { Sample, SMP, castSample } from '../acl/sample.js';
import { compileSampleExpr, type CompiledExpr } from '../acl/sample-expr.js';

/** One sample per thread: actions run one at a time. */
const value = new Sample();

/** One compiled address action. */
export class AddressAction {
  private readonly expr: CompiledExpr;
  /** The destination side (set-dst*), else the client's. */
  private readonly dst: boolean;
  /** A port action, else an address one. */
  private readonly port: boolean;
  /** The change lasts for the current request only (http-request, tcp-request content), else for the connection. */
  private readonly request: boolean;

  private constructor(expr: CompiledExpr, name: AddressActionName, request: boolean) {
    this.expr = expr;
    this.request = request;
    this.dst = name === 'set-dst' || name === 'set-dst-port';
    this.port = name === 'set-src-port' || name === 'set-dst-port';
  }

  /**
   * Compiles `name <expr>` for `env`; `request`: the rule runs per request (http-request, tcp-request content), so its
   * change ends with the request. Never throws: an error text when the expression does not compile.
   */
  static compile(name: AddressActionName, spec: SampleExprSpec, env: CompileEnv, request: boolean): Compiled<AddressAction> {
    const expr = compileSampleExpr(spec, env);
    if ('error' in expr) return expr;
    return new AddressAction(expr, name, request);
  }

  /** Evaluates the expression on `ctx` and applies its value there (nothing without a usable value). Never throws. */
  run(ctx: FetchContext): void {
    const s = value;
    ctx.arena.reset();
    this.expr.begin(false);
    if (!this.expr.next(ctx, s)) return;
    if (this.port) {
      const port = portOf(s, ctx);
      if (port >= 0) ctx.changePort(this.dst, port, this.request);
      return;
    }
    if (s.type !== SMP.IPV4 && s.type !== SMP.IPV6) {
      // HAProxy's address cast: an IPv4 form first, then IPv6 (an integer is an IPv4 address).
      if (!castSample(s, SMP.IPV4, ctx.arena) && !castSample(s, SMP.IPV6, ctx.arena)) return;
    }
    ctx.changeAddress(this.dst, s.type === SMP.IPV4 ? 4 : 6, s.ip, this.request);
  }
}

const TWO_63 = 2 ** 63;
/** 2^63 - 1 as text: the most a 64-bit signed integer holds (HAProxy saturates there). */
const INT64_MAX_TEXT = '9223372036854775807';

/** The port a sample means (0-65535), or -1 when it has no integer value. */
function portOf(s: Sample, ctx: FetchContext): number {
  if (s.type === SMP.STR || s.type === SMP.BIN) return portOfText(s.buf, s.start, s.end);
  if (!castSample(s, SMP.SINT, ctx.arena)) return -1;
  const v = Math.trunc(s.int);
  if (v >= TWO_63) return 0xffff;
  if (v <= -TWO_63) return 0;
  return ((v % 0x10000) + 0x10000) % 0x10000;
}

/**
 * The low 16 bits of the 64-bit integer HAProxy reads from text (a sign, then digits up to the first other byte; no
 * digit: 0; empty: no value), computed digit by digit so that 20-digit values stay exact. Allocates nothing.
 */
function portOfText(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  let i = start;
  const negative = buf[i] === 0x2d;
  if (negative || buf[i] === 0x2b) i++;
  while (i < end && buf[i] === 0x30) i++;
  const first = i;
  let low = 0;
  while (i < end) {
    const d = (buf[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) break;
    low = (low * 10 + d) % 0x10000;
    i++;
  }
  const digits = i - first;
  let saturated = digits > INT64_MAX_TEXT.length;
  if (digits === INT64_MAX_TEXT.length) {
    // Compare with 2^63 - 1 digit by digit (the negative bound, -2^63, saturates to the same low bits).
    for (let k = 0; k < digits; k++) {
      const c = buf[first + k] ?? 0;
      const m = INT64_MAX_TEXT.charCodeAt(k);
      if (c === m) continue;
      saturated = c > m;
      break;
    }
  }
  if (saturated) return negative ? 0 : 0xffff;
  return negative ? (0x10000 - low) % 0x10000 : low;
}
