// A mutable stats source for dashboard tests: backends and servers whose status and counters a test changes
// between ticks (a server going DOWN, traffic growing), turned into a StatSnapshot through stat-snapshots.ts's row
// and info builders (rows in HAProxy's order: FRONTEND, servers, BACKEND). Test-runner thread.

import { StatType, type StatRow, type StatSnapshot } from '../../core/stats/stat-columns.js';
import { infoRowOf, statRowOf } from './stat-snapshots.js';

export interface FakeServer {
  name: string;
  status: string;
  checkStatus: string;
  scur: number;
  stot: number;
  reqTot: number;
  econ: number;
  hrsp5xx: number;
  bin: bigint;
  bout: bigint;
  rtime: number;
  ttime: number;
}

export interface FakeBackend {
  name: string;
  servers: FakeServer[];
}

/** `backends` backends of `servers` servers each (`be0/s0`…), all UP, no traffic. */
export function fakeBackends(backends: number, servers: number): FakeBackend[] {
  return Array.from({ length: backends }, (_, b) => ({
    name: `be${b}`,
    servers: Array.from({ length: servers }, (_, s) => ({
      name: `s${s}`, status: 'UP', checkStatus: 'L4OK', scur: 0, stot: 0, reqTot: 0, econ: 0, hrsp5xx: 0,
      bin: 0n, bout: 0n, rtime: 1, ttime: 2,
    })),
  }));
}

/** The server `be/sv` of `backends`; throws when absent (a test's typo). */
export function fakeServer(backends: FakeBackend[], be: string, sv: string): FakeServer {
  const found = backends.find((b) => b.name === be)?.servers.find((s) => s.name === sv);
  if (found === undefined) throw new Error(`no server ${be}/${sv}`);
  return found;
}

/** Sums of the servers' counters, as a backend row (and the frontend in front of every backend) carries them. */
interface Totals { scur: number; stot: number; reqTot: number; econ: number; hrsp5xx: number; bin: bigint; bout: bigint; rtime: number; ttime: number; up: number }

function totals(servers: readonly FakeServer[]): Totals {
  const t: Totals = { scur: 0, stot: 0, reqTot: 0, econ: 0, hrsp5xx: 0, bin: 0n, bout: 0n, rtime: 0, ttime: 0, up: 0 };
  for (const s of servers) {
    t.scur += s.scur;
    t.stot += s.stot;
    t.reqTot += s.reqTot;
    t.econ += s.econ;
    t.hrsp5xx += s.hrsp5xx;
    t.bin += s.bin;
    t.bout += s.bout;
    t.rtime += s.rtime / servers.length;
    t.ttime += s.ttime / servers.length;
    if (s.status.startsWith('UP')) t.up++;
  }
  return t;
}

/** The snapshot of `backends` behind one frontend `fe` (what attachDashboard's `source` returns). */
export function fakeSnapshot(backends: FakeBackend[]): StatSnapshot {
  const rows: StatRow[] = [];
  const all = totals(backends.flatMap((b) => b.servers));
  rows.push(statRowOf('fe', 'FRONTEND', StatType.FRONTEND, {
    status: 'OPEN', scur: all.scur, slim: 1000, stot: all.stot, req_tot: all.reqTot, ereq: 0, bin: all.bin, bout: all.bout,
  }));
  for (const b of backends) {
    for (const s of b.servers) {
      rows.push(statRowOf(b.name, s.name, StatType.SERVER, {
        status: s.status, check_status: s.checkStatus, weight: 1, scur: s.scur, stot: s.stot, req_tot: s.reqTot,
        econ: s.econ, eresp: 0, hrsp_5xx: s.hrsp5xx, bin: s.bin, bout: s.bout, qtime: 0, ctime: 0, rtime: s.rtime,
        ttime: s.ttime, lastchg: 5,
      }));
    }
    const t = totals(b.servers);
    rows.push(statRowOf(b.name, 'BACKEND', StatType.BACKEND, {
      status: t.up > 0 ? 'UP' : 'DOWN', scur: t.scur, stot: t.stot, req_tot: t.reqTot, econ: t.econ, eresp: 0,
      hrsp_5xx: t.hrsp5xx, bin: t.bin, bout: t.bout, qtime: 0, ctime: 0, rtime: Math.round(t.rtime),
      ttime: Math.round(t.ttime), act: t.up, bck: 0, weight: b.servers.length,
    }));
  }
  const info = infoRowOf({ Name: 'orcalb', Version: '0.1.0', node: 'test-node', Uptime_sec: 42, CumReq: all.reqTot, Nbthread: 2 });
  return { info, rows };
}
