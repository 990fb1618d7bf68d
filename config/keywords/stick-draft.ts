// The stick-table state a section carries while it is parsed (§4.2 stick-table, stick, track-sc*): its own table,
// its tracking and sticking rules with the table they name (resolved against every proxy by config/stick-refs.ts),
// and how many rules each tcp-request stage has so far (a track rule's place among them). Main thread, parsing.

import type { ConditionSpec, SampleExprSpec, SourceRef, StickTableConfig, TrackStage } from '../model.js';

export interface TrackRuleDraft {
  readonly source: SourceRef;
  readonly stage: TrackStage;
  readonly order: number;
  readonly counter: 0 | 1 | 2;
  readonly key: SampleExprSpec;
  /** The table named with `table`, or undefined for the proxy's own. */
  readonly tableName: string | undefined;
  readonly condition?: ConditionSpec;
}

export interface StickRuleDraft {
  readonly source: SourceRef;
  readonly kind: 'match' | 'store-request' | 'store-response';
  readonly key: SampleExprSpec;
  readonly tableName: string | undefined;
  readonly condition?: ConditionSpec;
}

export interface StickDraft {
  /** This section's `stick-table` (defaults never have one; a proxy never inherits one). */
  table: StickTableConfig | undefined;
  trackRules: TrackRuleDraft[];
  stickRules: StickRuleDraft[];
  /** `tcp-request connection|session|content` lines so far, defaults' first. */
  tcpRuleLines: { connection: number; session: number; content: number };
}

export function initialStickDraft(): StickDraft {
  return { table: undefined, trackRules: [], stickRules: [], tcpRuleLines: { connection: 0, session: 0, content: 0 } };
}
