// The `status` cell of a server or backend row as HAProxy 2.6 words it (management guide §9.1 field 17): `UP`,
// `UP 1/3` (going down), `DOWN`, `DOWN 1/2` (going up), `NOLB`, `MAINT`, `DRAIN`, `no check`; a backend is `UP` with
// a usable server or no server at all, else `DOWN`. Pure; any thread.

import { ServerState } from '../shared/layout.js';

/** Bits of a server's `adminState` word (core/shared/layout.ts): HAProxy's forced admin flags. */
export const AdminFlag = {
  MAINT: 1, DRAIN: 2, NOCHECK: 4, NOLB: 8,
  /**
   * In maintenance for want of an address (HAProxy's RMAINT, `MAINT (resolution)`): a server whose name did not
   * resolve at start (`init-addr none`), or a template slot dolphindb-discovery or DNS has no address for. Only an
   * address from them clears it (HealthChecker.discoverySet), never `ready` nor `set server … addr`.
   */
  RMAINT: 16,
} as const;

/** What a server's status cell depends on. */
export interface ServerStatusInput {
  /** ServerState from the buffer. */
  readonly state: number;
  /** AdminFlag bits. */
  readonly admin: number;
  /** The rise/fall counter, 0 … rise+fall-1. */
  readonly health: number;
  /** The server is checked (`check`). */
  readonly check: boolean;
  readonly rise: number;
  readonly fall: number;
}

/** HAProxy's status text for a server row. Pure. */
export function serverStatus(s: ServerStatusInput): string {
  // HAProxy names the cause when it is resolution, and only then (a forced MAINT on top still reads MAINT).
  if ((s.admin & AdminFlag.RMAINT) !== 0 && (s.admin & AdminFlag.MAINT) === 0) return 'MAINT (resolution)';
  if (s.state === ServerState.MAINT || (s.admin & AdminFlag.MAINT) !== 0) return 'MAINT';
  const drain = (s.admin & AdminFlag.DRAIN) !== 0;
  const check = s.check && (s.admin & AdminFlag.NOCHECK) === 0;
  if (s.state === ServerState.DOWN) {
    if (!check || s.health === 0) return 'DOWN';
    return `DOWN ${s.health}/${s.rise}`;
  }
  if ((s.admin & AdminFlag.NOLB) !== 0 && !drain) return 'NOLB';
  const word = drain ? 'DRAIN' : 'UP';
  if (!check) return drain ? 'DRAIN' : 'no check';
  const top = s.rise + s.fall - 1;
  if (s.health >= top) return word;
  return `${word} ${s.health - s.rise + 1}/${s.fall}`;
}

/** HAProxy's status text for a backend row: UP with a usable server or without any server, else DOWN. Pure. */
export function backendStatus(servers: number, usable: number): string {
  return servers === 0 || usable > 0 ? 'UP' : 'DOWN';
}
