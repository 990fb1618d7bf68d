// What an HTTP rule set tells the L7 session (the RULE verdicts of core/forward/http-rules/rule-set.ts), the place a
// set runs at, and the shape of one compiled action. Shared by rule-set.ts and actions.ts; pure types and constants.

import type { HttpRules } from '../../../config/model.js';
import type { FetchContext } from '../../acl/fetch-context.js';
import type { HeadEdit } from '../../http1/head-edit.js';
import type { RuleAnswer } from './rule-answer.js';

/**
 * What run() tells the session. CONTINUE: every rule ran (the edits are in the HeadEdit); ALLOW: an `allow` stopped
 * this set (the next stage still runs); ANSWER: send `answer` instead of forwarding; TARPIT: wait `timeout tarpit`,
 * then send `answer`; REJECT: close the client connection at once; SILENT_DROP: close it without a FIN or RST the
 * client would see (HAProxy sets SO_LINGER 0 and lets the client time out; orcalb's session decides how).
 */
export const RULE = { CONTINUE: 0, ALLOW: 1, ANSWER: 2, TARPIT: 3, REJECT: 4, SILENT_DROP: 5 } as const;
export type RuleVerdict = (typeof RULE)[keyof typeof RULE];

/** Where a set runs: its stage, the proxy that wrote it, and the error pages its answers use. */
export interface RuleSetPlace {
  readonly stage: 'request' | 'response' | 'after-response';
  /** The proxy's name (the default auth realm). */
  readonly proxyName: string;
  /** The HttpRules whose errorfiles the answers use, the proxy's own first (a backend's, then its frontend's). */
  readonly errorRules: readonly (HttpRules | undefined)[];
}

/** An action: the verdict it leaves (CONTINUE to go on with the next rule). */
export type Exec = (ctx: FetchContext, edit: HeadEdit, answer: RuleAnswer) => RuleVerdict;
