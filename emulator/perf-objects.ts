// The load reports of an emulated node as DolphinDB objects: getPerf() (a dict of this node's metrics) and
// getClusterPerf() (one row per node, with the column types the Java client casts to: protocol notes §8).
// Pure builders; run on the emulated node's thread. orcalb's own reading of a getPerf() reply is
// core/dolphindb/perf-dict.ts (readPerfDict).

import {
  DDB_NULL, ddbAnyVector, ddbDict, ddbScalar, ddbTable, ddbVector,
  type DdbCell, type DdbColumn, type DdbDict, type DdbScalarType, type DdbTable, type DdbVector,
} from '../core/dolphindb/objects.js';
import type { LoadSnapshot } from './node-knobs.js';

/** getPerf()'s keys in DolphinDB's order; the disk/network/query-time figures are fixed, plausible values. */
function perfEntries(s: LoadSnapshot): Array<[string, number]> {
  return [
    ['runningJobs', s.runningJobs], ['queuedJobs', s.queuedJobs], ['runningTasks', s.runningTasks],
    ['queuedTasks', s.queuedTasks], ['jobLoad', s.jobLoad], ['avgLoad', s.avgLoad], ['cpuUsage', s.cpuUsage],
    ['memoryUsed', s.memoryUsed], ['memoryAlloc', s.memoryAlloc], ['connectionNum', s.connectionNum],
    // Not in the real getPerf(); added so a load-aware check can compute connLoad and memLoad from one call.
    ['maxConnections', s.maxConnections], ['maxMemSize', s.maxMemSize],
    ['diskCapacity', 500e9], ['diskFreeSpace', 250e9], ['diskFreeSpaceRatio', 0.5], ['diskWriteRate', 0],
    ['diskReadRate', 0], ['lastMinuteWriteVolume', 0], ['lastMinuteReadVolume', 0], ['networkSendRate', 0],
    ['networkRecvRate', 0], ['lastMinuteNetworkSend', 0], ['lastMinuteNetworkRecv', 0],
    ['medLast10QueryTime', 0], ['maxLast10QueryTime', 0], ['medLast100QueryTime', 0], ['maxLast100QueryTime', 0],
    ['maxRunningQueryTime', 0],
  ];
}

/**
 * getPerf(): STRING keys → DOUBLE values, or → an ANY vector of DOUBLE scalars when `values` is 'any'
 * (the real server's value form is undocumented, so a check must accept both).
 */
export function perfDict(snapshot: LoadSnapshot, values: 'double' | 'any'): DdbDict {
  const entries = perfEntries(snapshot);
  const keys = ddbVector('STRING', entries.map(([k]) => k));
  return values === 'double'
    ? ddbDict(keys, ddbVector('DOUBLE', entries.map(([, v]) => v)))
    : ddbDict(keys, ddbAnyVector(entries.map(([, v]) => ddbScalar('DOUBLE', v))));
}

/** Where the node listens and how it is named: the identity columns of a getClusterPerf row. */
export interface NodeIdentity {
  readonly host: string;
  readonly port: number;
  readonly name: string;
}

/** One row of getClusterPerf(): a node, its mode (0 data node, 4 compute node …), whether it is alive, its load. */
export interface ClusterPerfRow {
  readonly node: NodeIdentity;
  readonly mode: number;
  readonly alive: boolean;
  readonly load: LoadSnapshot;
}

/**
 * getClusterPerf(): one row per node (a data node answers with its own row, mode 0; an emulated controller with its
 * cluster's, emulator/controller-roster.ts). Java casts host to STRING; port, mode, connectionNum and maxConnections
 * to INT; memoryUsed to LONG; maxMemSize and avgLoad to DOUBLE.
 */
export function clusterPerfTable(rows: readonly ClusterPerfRow[]): DdbTable {
  const int = (v: number): number => Math.min(2147483647, Math.round(v));
  const col = (name: string, type: DdbScalarType, cell: (r: ClusterPerfRow) => DdbCell): DdbColumn => ({ name, data: ddbVector(type, rows.map(cell)) });
  return ddbTable([
    col('host', 'STRING', (r) => r.node.host),
    col('port', 'INT', (r) => r.node.port),
    col('site', 'STRING', (r) => `${r.node.host}:${r.node.port}:${r.node.name}`),
    col('mode', 'INT', (r) => r.mode),
    col('state', 'BOOL', (r) => (r.alive ? 1 : 0)),
    col('agentSite', 'STRING', () => ''),
    col('maxConnections', 'INT', (r) => int(r.load.maxConnections)),
    col('maxMemSize', 'DOUBLE', (r) => r.load.maxMemSize),
    col('workerNum', 'INT', (r) => int(r.load.workerNum)),
    col('executorNum', 'INT', (r) => int(r.load.executorNum)),
    col('connectionNum', 'INT', (r) => int(r.load.connectionNum)),
    col('name', 'STRING', (r) => r.node.name),
    col('memoryUsed', 'LONG', (r) => BigInt(Math.round(r.load.memoryUsed))),
    col('memoryAlloc', 'LONG', (r) => BigInt(Math.round(r.load.memoryAlloc))),
    col('cpuUsage', 'DOUBLE', (r) => r.load.cpuUsage),
    col('avgLoad', 'DOUBLE', (r) => r.load.avgLoad),
    col('medLast10QueryTime', 'LONG', () => 0n),
    col('maxLast10QueryTime', 'LONG', () => 0n),
    col('medLast100QueryTime', 'LONG', () => 0n),
    col('maxLast100QueryTime', 'LONG', () => 0n),
    col('maxRunningQueryTime', 'LONG', () => 0n),
    col('runningJobs', 'INT', (r) => int(r.load.runningJobs)),
    col('queuedJobs', 'INT', (r) => int(r.load.queuedJobs)),
    col('runningTasks', 'INT', (r) => int(r.load.runningTasks)),
    col('queuedTasks', 'INT', (r) => int(r.load.queuedTasks)),
    col('jobLoad', 'INT', (r) => int(r.load.jobLoad)),
    col('publicName', 'STRING', (r) => r.node.host),
    col('isLeader', 'BOOL', () => DDB_NULL.i8),
  ]);
}

/** getClusterLiveDataNodes{false}: this node as `host:port` (the Java pool's load-balance source). */
export function liveDataNodes(node: NodeIdentity): DdbVector {
  return ddbVector('STRING', [`${node.host}:${node.port}`]);
}
