// Where an unfinished parse of a message head stopped (HAProxy's h1 parser keeps such a state per message too), so
// that the same bytes plus more continue from there: a client dribbling its head one byte per segment costs each byte
// once, not the whole head again per read. Measured on 15–16 KB heads fed a byte at a time (a long target, a long
// value, 99 fields): re-parsed from the start 79–649 ms of CPU per head here (parser.ts: 141–1850 ms), continued
// 1.3–12 ms. Forwarder threads; one per HeadView.

/** Parse stages, in order; a resumed parse skips every stage before the saved one. */
export const STAGE = {
  EMPTY_LINES: 0,
  METHOD: 1,
  METHOD_BLANKS: 2,
  TARGET: 3,
  TARGET_BLANKS: 4,
  VERSION: 5,
  STATUS_BLANKS: 6,
  STATUS: 7,
  REASON_BLANKS: 8,
  REASON: 9,
  LINE_END: 10,
  FIELDS: 11,
} as const;
export type Stage = (typeof STAGE)[keyof typeof STAGE];

/** Within a field line: at its start, in its name, in the blanks after the colon, in its value. */
export const PHASE = { LINE: 0, NAME: 1, BLANKS: 2, VALUE: 3 } as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];

/** The saved state: positions are absolute offsets in `buf`. Valid only while `valid` (after an INCOMPLETE). */
export class ParseResume {
  valid = false;
  buf: Buffer | undefined;
  start = 0;
  /** The `end` of the parse that stopped: a resumed parse needs at least these bytes, unchanged. */
  end = 0;
  /** The limits it ran under (a resumed parse under other limits starts afresh). */
  maxHeadBytes = 0;
  maxHeaders = 0;
  stage: Stage = STAGE.EMPTY_LINES;
  /** Where the stopped stage scans next. */
  at = 0;
  // Start-line positions found so far.
  tokenStart = 0;
  status = 0;
  cr = -1;
  // The field line being read.
  phase: Phase = PHASE.LINE;
  line = 0;
  nameEnd = -1;
  valueStart = 0;
  // The fold state of the last field (head-fields.ts).
  joined = -1;
  foldLead = -1;
  foldTail = 0;
}
