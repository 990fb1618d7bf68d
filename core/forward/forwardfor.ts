// `option forwardfor [except NET] [header NAME] [if-none]` and `option originalto [except NET] [header NAME]`
// (HAProxy 2.6 §4.2): the header HAProxy appends to a request carrying the client (or destination) address.
// Forwarder threads; pure functions. The `except` networks come parsed in the config model (core/net/network.ts):
// a request only tests membership.

import type { IpNetwork, ProxyOptions } from '../../config/model.js';
import { headerValue, type HeaderField } from '../http1/header-list.js';
import { readIPv4 } from '../net/ip-address.js';
import { inNetwork } from '../net/network.js';

/** True when `address` lies in either proxy's `except` network (parsed at config load). Allocates nothing. */
function excepted(address: string, fe: IpNetwork | undefined, be: IpNetwork | undefined): boolean {
  return (fe !== undefined && inNetwork(address, fe)) || (be !== undefined && inNetwork(address, be));
}

/**
 * The X-Forwarded-For header (name, value) HAProxy 2.6 appends for a request from `clientAddress`, or undefined.
 * Applies when the frontend or the backend has the option; the backend's header name wins; the client is exempt when
 * it lies in either proxy's `except` network; with `if-none` on both and the header already present, nothing is added.
 * Pure; forwarder threads.
 */
export function forwardedFor(
  fe: ProxyOptions,
  be: ProxyOptions,
  clientAddress: string | undefined,
  headers: readonly HeaderField[],
): HeaderField | undefined {
  const f = fe.forwardfor;
  const b = be.forwardfor;
  if ((f === undefined && b === undefined) || clientAddress === undefined) return undefined;
  const name = b?.header ?? f?.header ?? 'X-Forwarded-For';
  // HAProxy adds the header unless if-none is set on every proxy that has the option (PR_O_FF_ALWAYS is or'ed).
  const always = (f !== undefined && !f.ifNone) || (b !== undefined && !b.ifNone);
  if (!always && headerValue(headers, name) !== undefined) return undefined;
  if (excepted(clientAddress, f?.except, b?.except)) return undefined;
  return { name, value: clientAddress };
}

/**
 * The X-Original-To header for `option originalto`: the address the client connected to. HAProxy 2.6 only adds it
 * for an AF_INET destination, so not on a dual-stack bind where an IPv4 client shows as `::ffff:a.b.c.d` (the
 * kernel reports AF_INET6 there, as Node does). undefined when not configured or excepted. Pure.
 */
export function originalTo(fe: ProxyOptions, be: ProxyOptions, localAddress: string | undefined): HeaderField | undefined {
  const f = fe.originalto;
  const b = be.originalto;
  if ((f === undefined && b === undefined) || localAddress === undefined) return undefined;
  if (readIPv4(localAddress) < 0) return undefined;
  if (excepted(localAddress, f?.except, b?.except)) return undefined;
  return { name: b?.header ?? f?.header ?? 'X-Original-To', value: localAddress };
}
