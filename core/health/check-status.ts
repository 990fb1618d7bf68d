// The health-check status table (HAProxy's HCHK_STATUS_*): numeric code, short name, the reason text HAProxy logs,
// and the result class that moves the rise/fall counter. Reused by the check logs and the stats `check_status` column.
// Pure data; any thread.

/** What a finished check does to the health counter (HAProxy CHK_RES_*). */
export type CheckResult = 'unknown' | 'neutral' | 'failed' | 'passed' | 'condpass';

export interface CheckStatusSpec {
  /** HAProxy's enum value: the number stored in the server slot's `checkStatus` field. */
  readonly code: number;
  /** The short name shown in stats (`L4OK`, `L7TOUT`, ...). */
  readonly name: string;
  /** The long text logged after `reason:` ("Layer4 connection problem"). */
  readonly desc: string;
  readonly result: CheckResult;
}

/**
 * Keyed by HAProxy's constant suffix. Codes follow HAProxy 2.6's enum order exactly (holes included: START,
 * CHECKED, HANA and L57DATA are internal markers there), so a code read from the shared buffer means the same
 * thing as HAProxy's. L7OKD/L7OKCD are HAProxy's internal names for what stats show as L7OK/L7OKC.
 */
export const CHECK_STATUS = {
  UNKNOWN: { code: 0, name: 'UNK', desc: 'Unknown', result: 'unknown' },
  INI: { code: 1, name: 'INI', desc: 'Initializing', result: 'unknown' },
  SOCKERR: { code: 5, name: 'SOCKERR', desc: 'Socket error', result: 'failed' },
  L4OK: { code: 6, name: 'L4OK', desc: 'Layer4 check passed', result: 'passed' },
  L4TOUT: { code: 7, name: 'L4TOUT', desc: 'Layer4 timeout', result: 'failed' },
  L4CON: { code: 8, name: 'L4CON', desc: 'Layer4 connection problem', result: 'failed' },
  L6OK: { code: 9, name: 'L6OK', desc: 'Layer6 check passed', result: 'passed' },
  L6TOUT: { code: 10, name: 'L6TOUT', desc: 'Layer6 timeout', result: 'failed' },
  L6RSP: { code: 11, name: 'L6RSP', desc: 'Layer6 invalid response', result: 'failed' },
  L7TOUT: { code: 12, name: 'L7TOUT', desc: 'Layer7 timeout', result: 'failed' },
  L7RSP: { code: 13, name: 'L7RSP', desc: 'Layer7 invalid response', result: 'failed' },
  L7OK: { code: 15, name: 'L7OK', desc: 'Layer7 check passed', result: 'passed' },
  L7OKC: { code: 16, name: 'L7OKC', desc: 'Layer7 check conditionally passed', result: 'condpass' },
  L7STS: { code: 17, name: 'L7STS', desc: 'Layer7 wrong status', result: 'failed' },
  PROCERR: { code: 18, name: 'PROCERR', desc: 'External check error', result: 'failed' },
  PROCTOUT: { code: 19, name: 'PROCTOUT', desc: 'External check timeout', result: 'failed' },
  PROCOK: { code: 20, name: 'PROCOK', desc: 'External check passed', result: 'passed' },
} as const satisfies Readonly<Record<string, CheckStatusSpec>>;

export type CheckStatusKey = keyof typeof CHECK_STATUS;

/**
 * HAProxy's HCHK_STATUS_L57DATA: statuses at or above it carry layer 5-7 data, and their log line includes
 * `, code: N` (the protocol status, 0 for tcp-check).
 */
export const L57DATA_CODE = 14;

const BY_CODE: ReadonlyMap<number, CheckStatusSpec> = new Map(
  Object.values(CHECK_STATUS).map((s): [number, CheckStatusSpec] => [s.code, s]),
);

/** The status for a code read from the shared buffer; unknown codes map to UNK, as HAProxy does. */
export function checkStatusOfCode(code: number): CheckStatusSpec {
  return BY_CODE.get(code) ?? CHECK_STATUS.UNKNOWN;
}

/** True when the status's log line carries `, code: N` (HAProxy: status >= HCHK_STATUS_L57DATA). */
export function hasLayer7Code(status: CheckStatusSpec): boolean {
  return status.code >= L57DATA_CODE;
}
