// The `track-sc0|1|2 <key> [table <table>] [if|unless <cond>]` action (manual §4.2 http-request track-sc0,
// tcp-request connection track-sc0, …) in every rule set that has it, with HAProxy 2.6's texts, which differ
// between the http-* rule parser and the tcp-request one. The table is resolved against every proxy by
// config/stick-refs.ts. Main thread, config parsing.

import type { TrackStage } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { unknownAcl } from './acl-names.js';
import { parseSampleKey } from './sample-key.js';
import { conditionOf } from './stick-draft.js';

/** HAProxy's MAX_SESS_STKCTR - 1. */
const MAX_COUNTER = 2;

/**
 * Parses `args[first]` = `track-scN` and what follows, for rule set `stage` at position `order` of its stage,
 * into `ctx.proxy.stick.trackRules`. Returns false after reporting an error.
 */
export function parseTrackAction(ctx: ProxyLineContext, stage: TrackStage, first: number, order: number): boolean {
  const { args, at, diag, proxy } = ctx;
  const action = args[first] ?? '';
  const label = `${stage} ${action}`;
  const http = stage === 'http-request' || stage === 'http-response';
  const where = `${proxy.kind === 'listen' ? 'proxy' : proxy.kind} '${proxy.name}'`;
  const fail = (text: string): false => {
    diag.badValue(http ? `error detected in ${where} while parsing '${label}' rule : ${text}.` : `'${label}' : ${text}`, at);
    return false;
  };
  // strtol on what follows `track-sc`: '' reads as 0; anything not wholly digits is refused.
  const digits = action.slice('track-sc'.length);
  if (!/^\d*$/.test(digits)) return fail(`Wrong track-sc number '${digits}'`);
  const counter = digits === '' ? 0 : Number(digits);
  if (counter > MAX_COUNTER) return fail(`${counter} track-sc number exceeding ${MAX_COUNTER} (MAX_SESS_STKCTR-1) value`);
  const key = parseSampleKey(args[first + 1]);
  if (typeof key === 'string') return fail(key);
  let i = first + 2;
  let tableName: string | undefined;
  if (args[i] === 'table') {
    const name = args[i + 1] ?? '';
    if (name === '' && http) return fail('missing table name');
    tableName = name;
    i += 2;
  }
  const word = args[i];
  if (word !== undefined && word !== '' && word !== 'if' && word !== 'unless') {
    diag.badValue(
      http
        ? `'${label}' expects either 'if' or 'unless' followed by a condition but found '${word}'.`
        : `'${label}' only accepts 'if' or 'unless', in ${where} (got '${word}')`,
      at,
      { found: word },
    );
    return false;
  }
  const unknown = word === undefined ? undefined : unknownAcl(args.slice(i + 1), proxy.aclNames);
  if (unknown !== undefined) {
    diag.badValue(`error detected while parsing an '${label}' condition : no such ACL : '${unknown}'.`, at, { found: unknown });
    return false;
  }
  const condition = conditionOf(word, args.slice(i + 1));
  proxy.stick.trackRules.push({
    source: at,
    stage,
    order,
    counter: counter as 0 | 1 | 2,
    key,
    tableName,
    ...(condition === undefined ? {} : { condition }),
  });
  return true;
}
