// Layer 4 fetches (manual §7.3.3): the client's address and port (src, src_port) and the address and port it
// connected to (dst, dst_port), read from the FetchContext's core/net bytes. Usable from `tcp-request connection`
// on. Forwarder threads, hot path: a copy of 4 or 16 bytes, nothing allocated.

import { placeMask, type FetchDescriptor } from './descriptor.js';
import { NO_ARGS } from './sample-args.js';
import { SMP } from './sample.js';

const L4_PLACES = placeMask('YYYYYYYYYYYYYYYYYYYY..');

export const L4_FETCHES: readonly FetchDescriptor[] = [
  {
    name: 'src',
    args: NO_ARGS,
    out: SMP.IPV4,
    use: L4_PLACES,
    source: 'client address',
    // A UNIX socket client has no address: the fetch fails, as HAProxy's does for AF_UNIX.
    compile: () => (ctx, s) => (ctx.srcFamily === 0 ? false : s.setIp(ctx.src, 0, ctx.srcFamily)),
  },
  {
    name: 'src_port',
    args: NO_ARGS,
    out: SMP.SINT,
    use: L4_PLACES,
    source: 'client address',
    // Port 0 (a set-src-port to 0) is no value: haproxy 2.6.12's %[src_port] is empty then (measured).
    compile: () => (ctx, s) => (ctx.srcFamily === 0 || ctx.srcPort === 0 ? false : s.setInt(ctx.srcPort)),
  },
  {
    name: 'dst',
    args: NO_ARGS,
    out: SMP.IPV4,
    use: L4_PLACES,
    source: 'client address',
    compile: () => (ctx, s) => (ctx.dstFamily === 0 ? false : s.setIp(ctx.dst, 0, ctx.dstFamily)),
  },
  {
    name: 'dst_port',
    args: NO_ARGS,
    out: SMP.SINT,
    use: L4_PLACES,
    source: 'client address',
    compile: () => (ctx, s) => (ctx.dstFamily === 0 || ctx.dstPort === 0 ? false : s.setInt(ctx.dstPort)),
  },
];
