// The contract of one bench scenario (one file each under scenarios/) and what the runner hands it: the process
// group, the CPU layout, the settings of this pass and a temp dir. Bench runner main thread.

import type { CpuLayout } from '../cpu-layout.js';
import type { ProcessGroup } from '../process-group.js';
import type { BenchMode, ResultRow, SubjectName } from '../result-model.js';

export interface BenchSettings {
  readonly mode: BenchMode;
  /** Interleaved rounds: every running subject is measured once per round, in the same order. */
  readonly rounds: number;
  /** Seconds per measurement. */
  readonly durationS: number;
  /** Proxy threads (forwarders) for every scenario but thread scaling and forwarders-one-cpu. */
  readonly threads: number;
  /** The subjects this pass may start (smoke: orcalb and direct only). */
  readonly subjects: readonly SubjectName[];
  /** Connections held open by the idle scenario, one case each (capped by the open-file limit). */
  readonly idleConns: readonly number[];
  /** Connection counts for the L7 keep-alive scenario. */
  readonly keepAliveConns: readonly number[];
  /** Session counts for the DolphinDB scenario. */
  readonly ddbSessions: readonly number[];
  /** Seconds of L7 keep-alive load before rss-after-load's readings (full: 60, the issue-10 target's load). */
  readonly rssLoadS: number;
  /** Forwarder counts for the scaling scenario. */
  readonly scalingThreads: readonly number[];
}

export interface ScenarioContext {
  readonly group: ProcessGroup;
  readonly layout: CpuLayout;
  readonly settings: BenchSettings;
  readonly tmpDir: string;
  readonly cpuProfDir?: string;
  log(line: string): void;
}

export interface Scenario {
  /** Short id used on the command line (`--scenarios l4-bulk,idle-memory`) and in the result rows. */
  readonly id: string;
  readonly title: string;
  /** It loads with wrk: without wrk installed the runner reports it skipped instead of running it. */
  readonly usesWrk?: boolean;
  /** false: run only when named (`--scenarios`) or by its own mode (thread-scaling: `--scaling`). */
  readonly inFullPass?: boolean;
  /** At most this many rounds unless `--rounds` says otherwise (a scenario whose rounds are minutes long). */
  readonly maxRounds?: number;
  /** Resolves with every row of the scenario; a subject that fails is a 'failed' row, not a rejection. */
  run(ctx: ScenarioContext): Promise<ResultRow[]>;
}
