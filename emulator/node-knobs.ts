// The settings of an emulated DolphinDB data node that tests and the demo turn: reported load (what getPerf and
// getClusterPerf answer), the connection limit, a per-request delay and an injected failure. Plain state read by
// the node's request path on every request, so a change applies to the next request. Runs on the node's thread.

/** How the node fails on purpose. 'none' serves normally. */
export const FAILURE_MODES = {
  /** Healthy. */
  none: 'none',
  /** The listener is closed: new connections get ECONNREFUSED; open ones keep working. */
  refuse: 'refuse',
  /** Connections are accepted and destroyed at once; a request on an open connection destroys it too. */
  reset: 'reset',
  /** Connections are accepted and read, and nothing is ever answered. */
  stall: 'stall',
  /** Each reply is cut after half its bytes and the connection destroyed. */
  closeMidReply: 'close-mid-reply',
  /** Scripts and function calls answer `<DataNodeNotAvail>…`, the text HA clients fail over on. */
  notAvailable: 'not-available',
} as const;
export type FailureMode = (typeof FAILURE_MODES)[keyof typeof FAILURE_MODES];

/** True when `value` names a failure mode (for flags and stdin commands). */
export function isFailureMode(value: string): value is FailureMode {
  return (Object.values(FAILURE_MODES) as string[]).includes(value);
}

/** The load figures a node reports. Names are DolphinDB's getPerf/getClusterPerf keys. */
export interface LoadFigures {
  /** Reported live connections; 'live' reports the node's real count of open connections. */
  readonly connectionNum: number | 'live';
  /** CPU usage, percent. */
  readonly cpuUsage: number;
  /** Bytes in use. */
  readonly memoryUsed: number;
  readonly memoryAlloc: number;
  /** Memory limit, GB. */
  readonly maxMemSize: number;
  readonly avgLoad: number;
  readonly runningJobs: number;
  readonly queuedJobs: number;
  readonly runningTasks: number;
  readonly queuedTasks: number;
  readonly jobLoad: number;
  readonly workerNum: number;
  readonly executorNum: number;
}

export const DEFAULT_LOAD: LoadFigures = {
  connectionNum: 'live', cpuUsage: 1.5, memoryUsed: 64 * 1024 * 1024, memoryAlloc: 128 * 1024 * 1024,
  maxMemSize: 16, avgLoad: 0.05, runningJobs: 0, queuedJobs: 0, runningTasks: 0, queuedTasks: 0, jobLoad: 0,
  workerNum: 4, executorNum: 4,
};

/** The figures with connectionNum resolved to a number, as one answer reports them. */
export type LoadSnapshot = Omit<LoadFigures, 'connectionNum'> & { readonly connectionNum: number; readonly maxConnections: number };

export interface KnobSettings {
  readonly load?: Partial<LoadFigures>;
  /** Connections past this get the S00006 error on their first request (DolphinDB's default is 512). */
  readonly maxConnections?: number;
  /** Milliseconds to wait before answering each request (fakes a slow node for check timeouts). */
  readonly delayMs?: number;
  readonly failure?: FailureMode;
  /** getPerf() value vector: DOUBLE (default) or ANY; the real server's choice is undocumented, checks take both. */
  readonly perfValues?: 'double' | 'any';
}

function checkNumber(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, not ${v}`);
  return v;
}

/** The mutable knob state of one node. Setters validate and throw RangeError for nonsense (negative, NaN). */
export class NodeKnobs {
  private loadFigures: LoadFigures = DEFAULT_LOAD;
  private maxConns = 512;
  private delay = 0;
  private failureMode: FailureMode = 'none';
  private perfForm: 'double' | 'any' = 'double';

  constructor(settings: KnobSettings = {}) {
    if (settings.load !== undefined) this.setLoad(settings.load);
    if (settings.maxConnections !== undefined) this.setMaxConnections(settings.maxConnections);
    if (settings.delayMs !== undefined) this.setDelay(settings.delayMs);
    if (settings.failure !== undefined) this.failureMode = settings.failure;
    if (settings.perfValues !== undefined) this.perfForm = settings.perfValues;
  }

  /** Merges `figures` into the reported load; `connectionNum: 'live'` goes back to the real count. */
  setLoad(figures: Partial<LoadFigures>): void {
    for (const [key, value] of Object.entries(figures)) {
      if (typeof value === 'number') checkNumber(key, value);
    }
    this.loadFigures = { ...this.loadFigures, ...figures };
  }

  setMaxConnections(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`maxConnections must be an integer >= 0, not ${n}`);
    this.maxConns = n;
  }

  setDelay(ms: number): void {
    this.delay = checkNumber('delayMs', ms);
  }

  setFailure(mode: FailureMode): void {
    this.failureMode = mode;
  }

  setPerfValues(form: 'double' | 'any'): void {
    this.perfForm = form;
  }

  get maxConnections(): number { return this.maxConns; }
  get delayMs(): number { return this.delay; }
  get failure(): FailureMode { return this.failureMode; }
  get perfValues(): 'double' | 'any' { return this.perfForm; }

  /** The figures to report now; `liveConnections` fills connectionNum when it is 'live'. */
  snapshot(liveConnections: number): LoadSnapshot {
    const f = this.loadFigures;
    return {
      ...f,
      connectionNum: f.connectionNum === 'live' ? liveConnections : f.connectionNum,
      maxConnections: this.maxConns,
    };
  }
}

/** DolphinDB's S00006 text, answered to a connection past maxConnections. */
export function maxConnectionsMessage(limit: number): string {
  return `Maximum connections ${limit} reached. Close unused connections or increase maxConnections limit. RefId:S00006`;
}

/** The `<DataNodeNotAvail>` text (the tag is what HA clients match; the rest is ours). */
export function notAvailableMessage(node: string): string {
  return `<DataNodeNotAvail>The data node ${node} is not available.`;
}
