// The runtime API's server and backend read commands, as haproxy 2.6.12 answers them (measured): `show backend`,
// `get weight B/S`, `show servers state [B]` (format version 1: the line `1`, the `# be_id …` header, one row per
// server) and `show servers conn [B]`, with HAProxy's texts for a missing backend or server. Read from the config
// and the shared buffer (the health thread writes server state). Stats thread.

import type { BackendConfig, ServerConfig } from '../../config/model.js';
import { checkStatusOfCode, CHECK_STATUS } from '../health/check-status.js';
import { ServerState } from '../shared/layout.js';
import { hasNoAddress, withRuntimeAddress } from '../shared/server-address.js';
import { isLiveServer, serverId } from '../shared/server-slots.js';
import { serverSlotIndex } from '../shared/topology.js';
import { statProxies } from '../stats/collect-rows.js';
import { AdminFlag } from '../stats/status-text.js';
import type { CliCommand, CliContext } from './cli-command.js';

/** `show servers state`'s columns, version 1 (2.6.12's header, byte for byte). */
export const SERVERS_STATE_HEADER =
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight ' +
  'srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state ' +
  'bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr ' +
  'srv_agent_addr srv_agent_port\n';

/** HAProxy's words when a command names what does not exist. */
export const NO_SUCH_BACKEND = 'No such backend.\n';
export const NO_SUCH_SERVER = 'No such server.\n';
export const CANT_FIND_BACKEND = "Can't find backend.\n";
export const REQUIRE_BACKEND_SERVER = "Require 'backend/server'.\n";

/** A backend (or listen section) by name: its index and config, or undefined. */
export function backendByName(ctx: CliContext, name: string): { readonly b: number; readonly be: BackendConfig } | undefined {
  // A backend a reload removed keeps its entry (retired) while its sessions finish: not found by name.
  const b = ctx.config.backends.findIndex((x) => x.name === name && x.retired !== true);
  const be = ctx.config.backends[b];
  return be === undefined ? undefined : { b, be };
}

/** What `B/S` names: the server, or HAProxy's answer (no slash, no backend, no server). */
export type ServerLookup =
  | { readonly ok: true; readonly b: number; readonly s: number; readonly be: BackendConfig; readonly srv: ServerConfig; readonly slot: number }
  | { readonly ok: false; readonly answer: string };

/** Resolves `B/S` as haproxy's CLI does. Pure. */
export function serverByPath(ctx: CliContext, path: string | undefined): ServerLookup {
  const slash = path === undefined ? -1 : path.indexOf('/');
  if (path === undefined || slash < 0) return { ok: false, answer: REQUIRE_BACKEND_SERVER };
  const found = backendByName(ctx, path.slice(0, slash));
  if (found === undefined) return { ok: false, answer: NO_SUCH_BACKEND };
  // A server `del server` removed keeps its entry (retired) until its slot is taken again: not found by name.
  const s = found.be.servers.findIndex((x) => x.name === path.slice(slash + 1) && isLiveServer(x));
  const srv = found.be.servers[s];
  if (srv === undefined) return { ok: false, answer: NO_SUCH_SERVER };
  return { ok: true, b: found.b, s, be: found.be, srv, slot: serverSlotIndex(ctx.topology, found.b, s) };
}

/**
 * A server's user weight, what `get weight` and `srv_uweight` print: the server word `userWeight` (HAProxy's uweight),
 * which main writes from the config and `set weight` / `set server … weight` change (health thread).
 */
export function userWeight(ctx: CliContext, slot: number, srv: ServerConfig): number {
  void srv;
  return ctx.state.server(slot).load('userWeight');
}

/** The backends `show servers …` covers: all, or the one named (undefined: answer HAProxy's text). */
function selected(ctx: CliContext, name: string | undefined): { readonly b: number; readonly be: BackendConfig }[] | undefined {
  if (name === undefined) return ctx.config.backends.flatMap((be, b) => (be.retired === true ? [] : [{ b, be }]));
  const one = backendByName(ctx, name);
  return one === undefined ? undefined : [one];
}

/** HAProxy's proxy id of each backend (proxies numbered from 2 in config order, as the stats rows). */
function backendIds(ctx: CliContext): Map<number, number> {
  const ids = new Map<number, number>();
  for (const p of statProxies(ctx.config)) if (p.backend !== undefined) ids.set(p.backend, p.iid);
  return ids;
}

/** 2.6's srv_op_state: 0 stopped, 1 starting (slowstart ramp), 2 running. */
function opState(state: number, effective: number, weight: number): number {
  if (state !== ServerState.UP) return 0;
  return effective < weight && weight > 0 ? 1 : 2;
}

/**
 * 2.6's srv_admin_state flags: FMAINT 0x01, FDRAIN 0x08 (the forced ones: what the CLI and stats page set), RMAINT
 * 0x20 (no address: resolution or discovery).
 */
function adminFlags(admin: number): number {
  return ((admin & AdminFlag.MAINT) !== 0 ? 0x01 : 0) | ((admin & AdminFlag.DRAIN) !== 0 ? 0x08 : 0) | ((admin & AdminFlag.RMAINT) !== 0 ? 0x20 : 0);
}

/** 2.6's check result: 0 unknown, 2 failed, 3 passed, 4 conditionally passed. */
const RESULT_CODE: Readonly<Record<string, number>> = { unknown: 0, neutral: 1, failed: 2, passed: 3, condpass: 4 };

function stateRow(ctx: CliContext, beId: number, be: BackendConfig, b: number, srv: ServerConfig, s: number, nowSec: number): string {
  const slot = serverSlotIndex(ctx.topology, b, s);
  const view = ctx.state.server(slot);
  const state = view.load('state');
  const admin = view.load('adminState');
  const weight = userWeight(ctx, slot, srv);
  const since = Math.max(0, nowSec - view.load('lastChangeSec'));
  // An unchecked server: INI, result unknown, health = rise, check state 0 (as 2.6.12 shows one); a checked one
  // adds CONFIGURED|ENABLED (0x06).
  const st = srv.check ? checkStatusOfCode(view.load('checkStatus')) : CHECK_STATUS.INI;
  // A server `add server` made starts at 0 (2.6.12 shows it so, checked or not, measured).
  const health = srv.check || srv.dynamic === true || srv.unresolved === true ? view.load('health') : srv.rise;
  const checkState = srv.check ? 0x06 : 0;
  // `set server B/S addr A port P` (runtime API): the address and port now.
  const at = withRuntimeAddress(view, srv);
  const cells = [
    beId, be.name, serverId(srv, s), srv.name, hasNoAddress(view, srv) ? '-' : at.address, opState(state, view.load('effectiveWeight'), srv.weight), adminFlags(admin),
    weight, srv.weight, since, st.code, RESULT_CODE[st.result] ?? 0, health, checkState, 0, 0, 0, srv.fqdn ?? '-', at.port, '-', 0,
    srv.checkPort ?? 0, srv.checkAddr ?? '-', '-', 0,
  ];
  return `${cells.join(' ')}\n`;
}

function serversState(ctx: CliContext, args: readonly string[]): string {
  const backends = selected(ctx, args[0]);
  if (backends === undefined) return CANT_FIND_BACKEND;
  const ids = backendIds(ctx);
  const nowSec = Math.floor(Date.now() / 1000);
  let out = `1\n${SERVERS_STATE_HEADER}`;
  for (const { b, be } of backends) {
    be.servers.forEach((srv, s) => {
      if (srv.retired === true) return; // a slot `del server` freed
      out += stateRow(ctx, ids.get(b) ?? 0, be, b, srv, s, nowSec);
    });
  }
  return out;
}

function serversConn(ctx: CliContext, args: readonly string[]): string {
  const backends = selected(ctx, args[0]);
  if (backends === undefined) return CANT_FIND_BACKEND;
  const ids = backendIds(ctx);
  const idle = Array.from({ length: ctx.threads }, () => '0').join(' ');
  let out = `# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[${ctx.threads}]\n`;
  for (const { b, be } of backends) {
    be.servers.forEach((srv, s) => {
      if (srv.retired === true) return; // a slot `del server` freed
      const view = ctx.state.server(serverSlotIndex(ctx.topology, b, s));
      // orcalb's idle server connections are per forwarder and not counted in the buffer: 0 as for a server with
      // none; used_cur/used_max are the server's connections now and at most.
      const cells = [
        `${be.name}/${srv.name}`, `${ids.get(b) ?? 0}/${serverId(srv, s)}`, srv.address, srv.port, '-', 5000,
        view.load('curConns'), view.load('maxConnsSeen'), 0, 0, 0, -1, 0, idle,
      ];
      out += `${cells.join(' ')}\n`;
    });
  }
  return out;
}

export const SERVER_COMMANDS: readonly CliCommand[] = [
  {
    words: ['show', 'backend'],
    level: 'user',
    help: { usage: 'show backend', text: 'list backends in the current running config' },
    run: (ctx) => `# name\n${ctx.config.backends.flatMap((b) => (b.retired === true ? [] : [`${b.name}\n`])).join('')}`,
  },
  {
    words: ['get', 'weight'],
    level: 'user',
    help: { usage: 'get weight <bk>/<srv>', text: "report a server's current weight" },
    run: (ctx, args) => {
      const found = serverByPath(ctx, args[0]);
      if (!found.ok) return found.answer;
      return `${userWeight(ctx, found.slot, found.srv)} (initial ${found.srv.weight})\n`;
    },
  },
  {
    words: ['show', 'servers', 'state'],
    level: 'user',
    help: { usage: 'show servers state [<backend>]', text: 'dump volatile server information (all or for a single backend)' },
    run: serversState,
  },
  {
    words: ['show', 'servers', 'conn'],
    level: 'user',
    help: { usage: 'show servers conn [<backend>]', text: 'dump server connections status (all or for a single backend)' },
    run: serversConn,
  },
];
