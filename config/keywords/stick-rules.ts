// `stick on|match|store-request|store-response <pattern> [table <table>] [if|unless <cond>]` (manual §4.2 stick
// match, stick on, stick store-request, stick store-response): parsed into StickRuleDraft (`stick on` is a match and
// a store-request, as the manual defines it; `stick store` is HAProxy's old name of store-request), the pattern a
// sample expression available where the rule runs (core/acl/sample-expr.ts), with HAProxy 2.6's texts. The table is
// resolved against every proxy by config/stick-refs.ts. Main thread, config parsing.

import { exprFetch, parseSampleExpr } from '../../core/acl/sample-expr.js';
import type { ConditionSpec } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { fetchAllowed, parseRuleCondition, readPatternFile, rulePlaces } from './acl.js';
import type { StickRuleDraft } from './stick-draft.js';

const KINDS: Readonly<Record<string, readonly StickRuleDraft['kind'][]>> = {
  on: ['match', 'store-request'],
  match: ['match'],
  store: ['store-request'],
  'store-request': ['store-request'],
  'store-response': ['store-response'],
};

/** Parses a `stick …` line into `ctx.proxy.stick.stickRules`. Never throws; problems go to `ctx.diag`. */
export function parseStickLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const kinds = KINDS[args[1] ?? ''];
  if (kinds === undefined) return void diag.badValue("'stick' expects 'on', 'match', or 'store'.", at);
  if ((args[2] ?? '') === '') return void diag.badValue("'stick' expects a fetch method.", at);
  const parsed = parseSampleExpr(args[2] ?? '', 0, { readFile: readPatternFile });
  if (!parsed.ok) {
    if (parsed.notImplemented !== undefined) {
      return void diag.notImplemented(`sample ${parsed.notImplemented}`, at, 'the rule is ignored', { shown: parsed.notImplemented });
    }
    return void diag.badValue(`'stick': ${parsed.message}`, at);
  }
  const response = kinds.includes('store-response');
  const rule = response ? 'stick store-response' : 'stick';
  if (!fetchAllowed(parsed.spec, rulePlaces(rule, proxy.kind))) {
    const source = exprFetch(parsed.spec)?.source ?? '';
    return void diag.badValue(
      `'stick': fetch method '${parsed.spec.fetch.name}' extracts information from '${source}', none of which is available ${response ? "for 'store-response'" : 'during request'}.`,
      at,
    );
  }
  let i = 3;
  let tableName: string | undefined;
  if (args[i] === 'table') {
    // A missing name is '' here, and config/stick-refs.ts reports "unable to find stick-table ''" as HAProxy does.
    tableName = args[i + 1] ?? '';
    i += 2;
  }
  const word = args[i];
  let condition: ConditionSpec | undefined;
  if (word !== undefined && word !== '') {
    if (word !== 'if' && word !== 'unless') return void diag.badValue(`'stick': unknown keyword '${word}'.`, at, { found: word });
    condition = parseRuleCondition(ctx, args.slice(i + 1), word === 'unless', rule, (m) =>
      `'stick': error detected while parsing sticking condition : ${m}.`,
    );
    if (condition === undefined) return;
  }
  const when = condition === undefined || args.length <= i + 1 ? {} : { condition };
  for (const kind of kinds) proxy.stick.stickRules.push({ source: at, kind, key: parsed.spec, tableName, ...when });
  // HTTP dispatch runs them (core/forward/l7-rules.ts); a mode tcp backend's are refused at validation
  // (config/tcp-mode-rules.ts).
}
