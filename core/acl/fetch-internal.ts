// Fetches from internal states (manual §7.3.2): always_true/false, the constants str/int/ipv4/ipv6, fe_name/fe_id,
// be_name/be_id, and the live counts and server states read from the shared buffer (fe_conn, be_conn, nbsrv,
// srv_is_up, connslots, queue) plus wait_end. Names are resolved to indexes and server slots when rules are
// compiled. Forwarder threads on the hot path: each call is a few Atomics.load's, nothing allocated.

import type { SampleArg } from '../../config/model.js';
import { readAddress } from '../net/ip-address.js';
import { ServerState } from '../shared/layout.js';
import type { SharedState } from '../shared/state-buffer.js';
import { ANYWHERE, placeMask, type CompileEnv, type Compiled, type EvalFetch, type FetchDescriptor } from './descriptor.js';
import { NO_ARGS } from './sample-args.js';
import { SMP } from './sample.js';

const EVERYWHERE_BUT_CHECKS_AND_CONFIG = placeMask('YYYYYYYYYYYYYYYYYYYY.Y');
const FRONTEND_PLACES = placeMask('YYYYYYYYYYYYYYYYYYY...');
const BACKEND_PLACES = placeMask('......YYYYYYYYYYYYYY..');

/** Index of server `s` of backend `b` in the shared buffer (servers are numbered backend by backend). */
function serverSlot(env: CompileEnv, b: number, s: number): number {
  let slot = 0;
  // Each backend holds its spare slots too (core/shared/topology.ts serverSlotsOf, the same rule).
  for (let i = 0; i < b; i++) {
    const be = env.world.backends[i];
    slot += Math.max(be?.serverSlots ?? 0, be?.servers.length ?? 0);
  }
  return slot + s;
}

/** The backend an optional `backend` argument names (default: the proxy's own), or HAProxy's error text. */
function backendArg(args: readonly SampleArg[], env: CompileEnv, keyword: string): Compiled<number> {
  const arg = args[0];
  if (arg === undefined || arg.kind !== 'backend') {
    if (env.backend >= 0) return env.backend;
    return { error: `proxy '${env.proxyName}', referenced in arg 1 of ACL keyword '${keyword}' in proxy '${env.proxyName}', has not backend capability` };
  }
  const b = env.world.backends.findIndex((x) => x.name === arg.name);
  if (b >= 0) return b;
  return { error: `unable to find backend '${arg.name}' referenced in arg 1 of ACL keyword '${keyword}' in proxy '${env.proxyName}'` };
}

/** A fetch of one integer read from the shared buffer for a backend fixed at compile time. */
function backendCount(name: string, read: (state: SharedState, b: number, env: CompileEnv) => number): FetchDescriptor {
  return {
    name,
    args: { types: ['backend'], mandatory: 0 },
    out: SMP.SINT,
    use: EVERYWHERE_BUT_CHECKS_AND_CONFIG,
    source: 'internal state',
    compile(args, env) {
      const b = backendArg(args, env, name);
      if (typeof b !== 'number') return b;
      return (ctx, out) => {
        const state = ctx.state;
        return state === undefined ? false : out.setInt(read(state, b, env));
      };
    },
  };
}

/** Backend b's servers: first shared-buffer slot and count. */
function serversOf(env: CompileEnv, b: number): { first: number; count: number } {
  return { first: serverSlot(env, b, 0), count: env.world.backends[b]?.servers.length ?? 0 };
}

/** §7.3.2 nbsrv: usable servers; with none active, the backups (all with `option allbackups`, else the first). */
function usableServers(state: SharedState, b: number, env: CompileEnv): number {
  const slot = state.backend(b);
  const active = slot.load('activeServers');
  if (active > 0) return active;
  const backups = slot.load('backupServers');
  return env.world.backends[b]?.options?.allbackups === true ? backups : Math.min(backups, 1);
}

/**
 * §7.3.2 connslots: free connection and queue slots over the servers that are not down; -1 when one of them has
 * no limit (maxconn or maxqueue 0), as HAProxy answers for an unbounded backend.
 */
function freeSlots(state: SharedState, b: number, env: CompileEnv): number {
  const { first, count } = serversOf(env, b);
  const servers = env.world.backends[b]?.servers ?? [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const slot = state.server(first + i);
    if (slot.load('state') === ServerState.DOWN) continue;
    const cfg = servers[i];
    if (cfg === undefined || cfg.maxconn === 0 || cfg.maxqueue === 0) return -1;
    total += cfg.maxconn - slot.load('curConns') + cfg.maxqueue - slot.load('queued');
  }
  return total;
}

/** §7.3.2 queue: waiters of the backend queue and of every server queue. */
function queued(state: SharedState, b: number, env: CompileEnv): number {
  const { first, count } = serversOf(env, b);
  let total = state.backend(b).load('queued');
  for (let i = 0; i < count; i++) total += state.server(first + i).load('queued');
  return total;
}

/** A constant: the value is decided at compile time (`str(x)`, `int(5)`). */
function constant(name: string, type: 'string' | 'integer', out: typeof SMP.STR | typeof SMP.SINT): FetchDescriptor {
  return {
    name,
    args: { types: [type], mandatory: 1 },
    out,
    use: ANYWHERE,
    source: 'constant',
    compile(args) {
      const a = args[0];
      if (a?.kind === 'int') {
        const v = a.value;
        return (_ctx, s) => s.setInt(v);
      }
      const bytes = Buffer.from(a?.kind === 'str' ? a.text : '', 'utf8');
      return (_ctx, s) => s.setStr(bytes, 0, bytes.length);
    },
  };
}

/** `ipv4(<address>)` / `ipv6(<address>)`: an address constant. */
function addressConstant(name: 'ipv4' | 'ipv6'): FetchDescriptor {
  return {
    name,
    args: { types: ['string'], mandatory: 1 },
    out: name === 'ipv4' ? SMP.IPV4 : SMP.IPV6,
    use: ANYWHERE,
    source: 'constant',
    compile(args) {
      const a = args[0];
      const bytes = new Uint8Array(16);
      const family = readAddress(a?.kind === 'str' ? a.text : '', bytes);
      if (family !== (name === 'ipv4' ? 4 : 6)) return { error: `invalid ${name === 'ipv4' ? 'IPv4' : 'IPv6'} address '${a?.kind === 'str' ? a.text : ''}'` };
      return (_ctx, s) => s.setIp(bytes, 0, family);
    },
  };
}

/** Names of the proxies of one side, as bytes ready to point a sample at. */
function nameTable(names: readonly { readonly name: string }[]): Buffer[] {
  return names.map((p) => Buffer.from(p.name, 'utf8'));
}

const alwaysTrue: EvalFetch = (_ctx, s) => s.setBool(true);
const alwaysFalse: EvalFetch = (_ctx, s) => s.setBool(false);

export const INTERNAL_FETCHES: readonly FetchDescriptor[] = [
  { name: 'always_true', args: NO_ARGS, out: SMP.BOOL, use: ANYWHERE, source: 'constant', compile: () => alwaysTrue },
  { name: 'always_false', args: NO_ARGS, out: SMP.BOOL, use: ANYWHERE, source: 'constant', compile: () => alwaysFalse },
  constant('str', 'string', SMP.STR),
  constant('int', 'integer', SMP.SINT),
  addressConstant('ipv4'),
  addressConstant('ipv6'),
  {
    name: 'fe_name',
    args: NO_ARGS,
    out: SMP.STR,
    use: FRONTEND_PLACES,
    source: 'frontend',
    compile(_args, env) {
      const names = nameTable(env.world.frontends);
      return (ctx, s) => {
        const n = names[ctx.frontend];
        return n === undefined ? false : s.setStr(n, 0, n.length);
      };
    },
  },
  {
    name: 'fe_id',
    args: NO_ARGS,
    out: SMP.SINT,
    use: FRONTEND_PLACES,
    source: 'frontend',
    // HAProxy numbers proxies from 1 in file order over both sides; orcalb numbers each side from 1.
    compile: () => (ctx, s) => (ctx.frontend < 0 ? false : s.setInt(ctx.frontend + 1)),
  },
  {
    name: 'be_name',
    args: NO_ARGS,
    out: SMP.STR,
    use: BACKEND_PLACES,
    source: 'backend',
    compile(_args, env) {
      const names = nameTable(env.world.backends);
      return (ctx, s) => {
        const n = names[ctx.backend];
        return n === undefined ? false : s.setStr(n, 0, n.length);
      };
    },
  },
  {
    name: 'be_id',
    args: NO_ARGS,
    out: SMP.SINT,
    use: BACKEND_PLACES,
    source: 'backend',
    compile: () => (ctx, s) => (ctx.backend < 0 ? false : s.setInt(ctx.backend + 1)),
  },
  {
    name: 'fe_conn',
    args: { types: ['frontend'], mandatory: 0 },
    out: SMP.SINT,
    use: EVERYWHERE_BUT_CHECKS_AND_CONFIG,
    source: 'internal state',
    compile(args, env) {
      const arg = args[0];
      let f = env.frontend;
      if (arg?.kind === 'frontend') {
        f = env.world.frontends.findIndex((x) => x.name === arg.name);
        if (f < 0) return { error: `unable to find frontend '${arg.name}' referenced in arg 1 of ACL keyword 'fe_conn' in proxy '${env.proxyName}'` };
      } else if (f < 0) {
        return { error: `proxy '${env.proxyName}', referenced in arg 1 of ACL keyword 'fe_conn' in proxy '${env.proxyName}', has not frontend capability` };
      }
      const fe = f;
      return (ctx, s) => (ctx.state === undefined ? false : s.setInt(ctx.state.frontend(fe).load('curConns')));
    },
  },
  // HAProxy's beconn counts the streams assigned to the backend: in orcalb, server slots in use and backend waiters.
  backendCount('be_conn', (state, b) => state.backend(b).load('curConns') + state.backend(b).load('queued')),
  backendCount('nbsrv', usableServers),
  backendCount('connslots', freeSlots),
  backendCount('queue', queued),
  {
    name: 'srv_is_up',
    args: { types: ['server'], mandatory: 1 },
    out: SMP.BOOL,
    use: EVERYWHERE_BUT_CHECKS_AND_CONFIG,
    source: 'internal state',
    compile(args, env) {
      const arg = args[0];
      if (arg?.kind !== 'server') return { error: "srv_is_up expects a server" };
      let b = env.backend;
      if (arg.backend !== undefined) {
        b = env.world.backends.findIndex((x) => x.name === arg.backend);
        if (b < 0) return { error: `unable to find backend '${arg.backend}' referenced in arg 1 of ACL keyword 'srv_is_up' in proxy '${env.proxyName}'` };
      }
      const servers = b >= 0 ? env.world.backends[b]?.servers ?? [] : [];
      const s = servers.findIndex((x) => x.name === arg.server);
      if (s < 0) {
        const owner = arg.backend ?? env.proxyName;
        return { error: `unable to find server '${arg.server}' in proxy '${owner}', referenced in arg 1 of ACL keyword 'srv_is_up' in proxy '${env.proxyName}'` };
      }
      const slot = serverSlot(env, b, s);
      return (ctx, out) => (ctx.state === undefined ? false : out.setBool(ctx.state.server(slot).load('state') === ServerState.UP));
    },
  },
  {
    name: 'wait_end',
    args: NO_ARGS,
    out: SMP.BOOL,
    use: EVERYWHERE_BUT_CHECKS_AND_CONFIG,
    source: 'internal state',
    // §7.3.2: true once the inspect delay is over; before that "not yet", so the rule waits for it.
    compile: () => (ctx, s) => {
      if (ctx.waitEnded) return s.setBool(true);
      s.mayChange = true;
      return false;
    },
  },
];
