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

function col(name: string, type: DdbScalarType, cell: DdbCell): DdbColumn {
  return { name, data: ddbVector(type, [cell]) };
}

/**
 * getClusterPerf(): one row for this node (mode 0, data node). Java casts host to STRING; port, mode,
 * connectionNum and maxConnections to INT; memoryUsed to LONG; maxMemSize and avgLoad to DOUBLE.
 */
export function clusterPerfTable(node: NodeIdentity, s: LoadSnapshot): DdbTable {
  const int = (v: number): number => Math.min(2147483647, Math.round(v));
  return ddbTable([
    col('host', 'STRING', node.host),
    col('port', 'INT', node.port),
    col('site', 'STRING', `${node.host}:${node.port}:${node.name}`),
    col('mode', 'INT', 0),
    col('state', 'BOOL', 1),
    col('agentSite', 'STRING', ''),
    col('maxConnections', 'INT', int(s.maxConnections)),
    col('maxMemSize', 'DOUBLE', s.maxMemSize),
    col('workerNum', 'INT', int(s.workerNum)),
    col('executorNum', 'INT', int(s.executorNum)),
    col('connectionNum', 'INT', int(s.connectionNum)),
    col('name', 'STRING', node.name),
    col('memoryUsed', 'LONG', BigInt(Math.round(s.memoryUsed))),
    col('memoryAlloc', 'LONG', BigInt(Math.round(s.memoryAlloc))),
    col('cpuUsage', 'DOUBLE', s.cpuUsage),
    col('avgLoad', 'DOUBLE', s.avgLoad),
    col('medLast10QueryTime', 'LONG', 0n),
    col('maxLast10QueryTime', 'LONG', 0n),
    col('medLast100QueryTime', 'LONG', 0n),
    col('maxLast100QueryTime', 'LONG', 0n),
    col('maxRunningQueryTime', 'LONG', 0n),
    col('runningJobs', 'INT', int(s.runningJobs)),
    col('queuedJobs', 'INT', int(s.queuedJobs)),
    col('runningTasks', 'INT', int(s.runningTasks)),
    col('queuedTasks', 'INT', int(s.queuedTasks)),
    col('jobLoad', 'INT', int(s.jobLoad)),
    col('publicName', 'STRING', node.host),
    col('isLeader', 'BOOL', DDB_NULL.i8),
  ]);
}

/** getClusterLiveDataNodes{false}: this node as `host:port` (the Java pool's load-balance source). */
export function liveDataNodes(node: NodeIdentity): DdbVector {
  return ddbVector('STRING', [`${node.host}:${node.port}`]);
}
