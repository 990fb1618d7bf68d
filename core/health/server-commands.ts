// The runtime API's changes to one server (HAProxy 2.6 `set server B/S state|weight|health|agent|check-port`, `set
// weight`, `enable|disable server|health|agent`), applied on the health thread, the single writer of server state,
// weights and check flags (core/shared/layout.ts). The stats thread parsed and checked the arguments; this maps each
// change onto the checker's admin steps (the same ones the stats page's admin form uses) and answers in HAProxy
// 2.6.12's words (measured with socat). Health thread.

import type { Config } from '../../config/model.js';
import type { CliRelayAnswer, ServerCommand } from '../cli/cli-relay.js';
import { AdminFlag } from '../stats/status-text.js';
import type { AdminAction, AdminOutcome } from './server-admin.js';

/** What of the health checker the runtime API drives (HealthChecker implements it). */
export interface ServerCommandTarget {
  admin(b: number, s: number, action: AdminAction): AdminOutcome;
  setUserWeight(b: number, s: number, weight: number): boolean;
  setCheckPort(b: number, s: number, port: number): AdminOutcome;
  setMaxconn(b: number, s: number, maxconn: number): boolean;
  setScoreCost(b: number, s: number, cost: number): boolean;
  setAddress(b: number, s: number, addrV4: number | undefined, port: number | undefined): boolean;
  /** The server's forced admin flags now (core/stats/status-text.ts AdminFlag). */
  adminFlags(b: number, s: number): number;
}

const OK: CliRelayAnswer = { ok: true, message: '' };
const NO_AGENT = 'agent checks are not enabled on this server.\n';

/** The answer to one server command. Never throws: an unknown name is HAProxy's error text. */
export function applyServerCommand(
  target: ServerCommandTarget,
  config: Config,
  backendName: string,
  serverName: string,
  command: ServerCommand,
): CliRelayAnswer {
  const b = config.backends.findIndex((be) => be.name === backendName);
  if (b < 0) return { ok: false, message: 'No such backend.\n' };
  const s = config.backends[b]?.servers.findIndex((sv) => sv.name === serverName && sv.retired !== true) ?? -1;
  const server = config.backends[b]?.servers[s];
  if (server === undefined) return { ok: false, message: 'No such server.\n' };
  const act = (action: AdminAction): CliRelayAnswer =>
    target.admin(b, s, action) === 'error' ? { ok: false, message: 'No such server.\n' } : OK;
  switch (command.op) {
    case 'state':
      return act(command.value);
    case 'enable-server':
      // HAProxy clears the forced maintenance only: a drained server stays drained.
      return act((target.adminFlags(b, s) & AdminFlag.DRAIN) !== 0 ? 'drain' : 'ready');
    case 'disable-server':
      return act('maint');
    case 'health':
      return act(command.value === 'up' ? 'hrunn' : command.value === 'down' ? 'hdown' : 'hnolb');
    case 'enable-health':
      return server.check ? act('ehlth') : { ok: false, message: 'Health check was not configured on this server, cannot enable.\n' };
    case 'disable-health':
      return server.check ? act('dhlth') : OK;
    case 'agent':
      // orcalb runs no agent checks: every server answers as haproxy does for one without `agent-check`.
      return { ok: false, message: NO_AGENT };
    case 'enable-agent':
      return { ok: false, message: 'Agent was not configured on this server, cannot enable.\n' };
    case 'disable-agent':
      return OK;
    case 'weight':
      return target.setUserWeight(b, s, command.weight) ? OK : { ok: false, message: 'No such server.\n' };
    case 'addr':
      // The stats thread wrote the answer text (it reads the old address); this only publishes the new one.
      return target.setAddress(b, s, command.addrV4, command.port) ? OK : { ok: false, message: 'No such server.\n' };
    case 'score-cost':
      return target.setScoreCost(b, s, command.cost) ? OK : { ok: false, message: 'No such server.\n' };
    case 'maxconn':
      return target.setMaxconn(b, s, command.maxconn) ? OK : { ok: false, message: 'No such server.\n' };
    case 'check-port': {
      const outcome = target.setCheckPort(b, s, command.port);
      // haproxy 2.6.12 prints this one without the empty line that ends its other answers.
      return outcome === 'done' ? OK : { ok: false, message: 'health checks are not enabled on this server' };
    }
  }
}
