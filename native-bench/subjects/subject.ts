// The contract every subject launcher (orcalb, haproxy, nginx, node-http-proxy, direct) fulfils: the same proxy
// semantics (mode, round-robin over the same backends, thread count, maxconn, PROXY header) in each one's own
// configuration language. Bench runner main thread.

import type { ProcessGroup } from '../process-group.js';
import type { SubjectName } from '../result-model.js';

export interface ProxySpec {
  readonly mode: 'tcp' | 'http';
  /** Backend ports on 127.0.0.1, balanced round-robin. */
  readonly servers: readonly number[];
  /** orcalb --threads N, haproxy nbthread N, nginx worker_processes N, node-http-proxy cluster workers N. */
  readonly threads: number;
  /** Send a PROXY v1 header to the servers (the seed config's `send-proxy`); tcp mode only. */
  readonly sendProxy?: boolean;
  /** Connection limit, set high enough never to queue (idle scenario: 10,000 + headroom). */
  readonly maxconn: number;
  /** Words after the frontend's bind address (`ssl crt FILE`: the TLS scenarios); haproxy and orcalb only. */
  readonly bindWords?: string;
  /** Lines added to the frontend before its default_backend (acl, use_backend…: the L7 ACL scenario). */
  readonly frontendLines?: readonly string[];
  /** Lines added to the backend after its balance line (orcalb's `option dolphindb-inspect`: ddb-inspect). */
  readonly backendLines?: readonly string[];
  /** Lines added to the global section (`log 127.0.0.1:P local0`: the L7 log scenario). */
  readonly globalLines?: readonly string[];
  /** Environment added to orcalb's (a test hook); the other subjects ignore it. */
  readonly orcalbEnv?: Readonly<Record<string, string>>;
}

export interface LaunchEnv {
  readonly group: ProcessGroup;
  /** taskset list for the proxy process. */
  readonly cpus: string | undefined;
  readonly tmpDir: string;
  /** Open-file limit for the proxy process. */
  readonly nofile: number;
  /** When set, orcalb runs with `node --cpu-prof --cpu-prof-dir=DIR`. */
  readonly cpuProfDir?: string;
  /** orcalb runs with the memory probe (memory-probe.ts) and --expose-gc: per-thread heap figures (memory-trace.ts). */
  readonly memoryProbe?: boolean;
}

export interface RunningSubject {
  readonly name: SubjectName;
  /** Where clients connect: the proxy's frontend, or every backend for `direct`. */
  readonly ports: readonly number[];
  /** Root PID of the proxy (its tree's RSS is the memory figure); undefined for `direct`. */
  readonly pid: number | undefined;
  /** A caveat to show next to the figures (e.g. how HTTP mode is handled). */
  readonly note?: string;
  /** Where the memory probe answers (queryMemoryProbe), when it was asked for and the subject has one. */
  readonly memoryProbePort?: number;
  stop(): Promise<void>;
}

export type StartOutcome =
  | { readonly kind: 'running'; readonly subject: RunningSubject }
  | { readonly kind: 'unsupported' | 'skipped'; readonly note: string };

export interface SubjectLauncher {
  readonly name: SubjectName;
  /** Modes it can proxy at all; the others are reported 'unsupported' without a start. */
  readonly modes: readonly ('tcp' | 'http')[];
  /** Starts it on spec; resolves once it accepts connections. Rejects only on an unexpected failure. */
  start(spec: ProxySpec, env: LaunchEnv): Promise<StartOutcome>;
  /** The version string for the results file, or undefined when not installed. */
  version(): string | undefined;
}
