// The `track-sc0|1|2 <key> [table <table>] [if|unless <cond>]` action (manual §4.2 http-request track-sc0,
// tcp-request connection track-sc0, …) in every rule set that has it, with HAProxy 2.6's texts, which differ
// between the http-* rule parser and the tcp-request one. The key is a sample expression (core/acl/sample-expr.ts)
// that must be available where the rule runs; the condition is parsed by keywords/acl.ts; the table is resolved
// against every proxy by config/stick-refs.ts. Main thread, config parsing.

import { exprFetch, parseSampleExpr } from '../../core/acl/sample-expr.js';
import type { ConditionSpec, TrackStage } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { fetchAllowed, fetchImplemented, parseRuleCondition, readPatternFile, rulePlaces } from './acl.js';

/** HAProxy's MAX_SESS_STKCTR - 1. */
const MAX_COUNTER = 2;

/**
 * Parses `args[first]` = `track-scN` and what follows, for rule set `stage` at position `order` of its stage,
 * into `ctx.proxy.stick.trackRules`. Returns false after reporting an error (or a refusal).
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
  const keyWord = args[first + 1] ?? '';
  const parsed = parseSampleExpr(keyWord, 0, { readFile: readPatternFile });
  if (!parsed.ok) {
    if (parsed.notImplemented !== undefined) {
      // A key orcalb cannot compute would leave the counter untracked: the rule cannot run as written.
      diag.notImplemented(`sample ${parsed.notImplemented}`, at, 'the rule is ignored', { shown: parsed.notImplemented });
      return false;
    }
    return fail(parsed.message);
  }
  const places = rulePlaces(stage, proxy.kind);
  if (!fetchAllowed(parsed.spec, places)) {
    return fail(`fetch method '${keyWord}' extracts information from '${exprFetch(parsed.spec)?.source ?? ''}', none of which is available here`);
  }
  if (!fetchImplemented(parsed.spec, places)) {
    const name = parsed.spec.fetch.name;
    diag.notImplemented(`sample ${name} in ${stage}`, at, 'the rule is ignored', { shown: `${name}' in '${stage}` });
    return false;
  }
  let i = first + 2;
  let tableName: string | undefined;
  if (args[i] === 'table') {
    const name = args[i + 1] ?? '';
    if (name === '' && http) return fail('missing table name');
    tableName = name;
    i += 2;
  }
  const word = args[i];
  let condition: ConditionSpec | undefined;
  if (word !== undefined && word !== '') {
    if (word !== 'if' && word !== 'unless') {
      diag.badValue(
        http
          ? `'${label}' expects either 'if' or 'unless' followed by a condition but found '${word}'.`
          : `'${label}' only accepts 'if' or 'unless', in ${where} (got '${word}')`,
        at,
        { found: word },
      );
      return false;
    }
    const rule = http ? stage : `tcp-request ${stage.slice('tcp-request '.length)}`;
    condition = parseRuleCondition(ctx, args.slice(i + 1), word === 'unless', rule, (m) =>
      http
        ? `error detected while parsing an '${label}' condition : ${m}.`
        : `'${label}' : error detected in ${where} while parsing '${word}' condition : ${m}`,
    );
    if (condition === undefined) return false;
  }
  proxy.stick.trackRules.push({
    source: at,
    stage,
    order,
    counter: counter as 0 | 1 | 2,
    key: parsed.spec,
    tableName,
    // A bare `if` is HAProxy's "always".
    ...(condition === undefined || args.length <= i + 1 ? {} : { condition }),
  });
  return true;
}
