// The load score of a DolphinDB node, from one getPerf() reading, for `balance dolphindb-load`. The health thread
// computes it and stores it ×1000 in the server slot's `loadScore`; forwarders only compare the integers.
//
// score = base + backlog, where (every ratio clamped to 0..1, a figure the node did not report is left out and the
// remaining weights are rescaled so they still sum to 1):
//   base    = 0.30·cpuUsage/100 + 0.25·avgLoad + 0.25·connectionNum/maxConnections + 0.20·memoryUsed/(maxMemSize GiB)
//   backlog = 0.05 per queued job or task (queuedJobs + queuedTasks, counted up to 20)
//           + 0.01 per running job (runningJobs, counted up to 50)
// so 0 is an idle node, 1 a node whose CPU, load, connections and memory are all at their limit, and the backlog
// terms push a node that already makes work wait above any node that does not. A node at its connection limit
// scores SATURATED (2.5): it answers S00006 to new sessions. maxConnections defaults to DolphinDB's 512 when the
// reading lacks it (real getPerf() has no such key; the emulated node adds it), maxMemSize has no default.
// Pure; any thread.

/** Values of `loadScore` that are not readings. */
export const LOAD_SCORE = {
  /** No reading yet (start, or the node just came back): balancers use the mean of the known scores. */
  noReading: -1,
  /** Highest score a reading can give (×1000): a node at its connection limit, or with every term at its cap. */
  saturated: 2500,
  /**
   * The last reading failed (timeout, refused getPerf, not a dictionary): worse than any reading. Such a node gets
   * new connections only once every node that reported has more placed on it than the score gap.
   */
  failed: 3000,
} as const;

/** DolphinDB's default `maxConnections` (used when a reading does not carry the node's own limit). */
export const DEFAULT_MAX_CONNECTIONS = 512;

const GIB = 1024 ** 3;

function ratio(value: number, limit: number): number {
  if (!(limit > 0) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value / limit));
}

/**
 * The score ×1000 (an integer 0..LOAD_SCORE.saturated) of a getPerf() reading (key → number, see readPerfDict).
 * Returns LOAD_SCORE.failed when the reading holds none of the figures the formula uses. Pure; never throws.
 */
export function loadScore(figures: ReadonlyMap<string, number>): number {
  const terms: Array<[weight: number, value: number]> = [];
  const cpu = figures.get('cpuUsage');
  if (cpu !== undefined) terms.push([0.3, ratio(cpu, 100)]);
  const avg = figures.get('avgLoad');
  if (avg !== undefined) terms.push([0.25, ratio(avg, 1)]);
  const conns = figures.get('connectionNum');
  const maxConns = figures.get('maxConnections') ?? DEFAULT_MAX_CONNECTIONS;
  if (conns !== undefined) {
    // At the limit the node refuses new sessions: nothing else about it matters.
    if (maxConns > 0 && conns >= maxConns) return LOAD_SCORE.saturated;
    terms.push([0.25, ratio(conns, maxConns)]);
  }
  const mem = figures.get('memoryUsed');
  const maxMem = figures.get('maxMemSize');
  if (mem !== undefined && maxMem !== undefined && maxMem > 0) terms.push([0.2, ratio(mem, maxMem * GIB)]);
  const queued = (figures.get('queuedJobs') ?? 0) + (figures.get('queuedTasks') ?? 0);
  const running = figures.get('runningJobs') ?? 0;
  const hasBacklog = figures.has('queuedJobs') || figures.has('queuedTasks') || figures.has('runningJobs');
  if (terms.length === 0 && !hasBacklog) return LOAD_SCORE.failed;
  const weights = terms.reduce((sum, [w]) => sum + w, 0);
  const base = weights > 0 ? terms.reduce((sum, [w, v]) => sum + w * v, 0) / weights : 0;
  const backlog = 0.05 * Math.min(20, Math.max(0, queued)) + 0.01 * Math.min(50, Math.max(0, running));
  return Math.min(LOAD_SCORE.saturated, Math.round((base + backlog) * 1000));
}
