// The argument of `set-src`, `set-src-port`, `set-dst`, `set-dst-port <expr>` (manual §4.2), for http-request and
// tcp-request connection|session|content alike: a sample expression checked as haproxy 2.6.12 checks it (any fetch
// the proxy's request side offers, whatever the rule set; its error texts, measured with haproxy -c). The actions run
// in core/forward/set-address.ts. Main thread, config parsing.

import { exprFetch, parseSampleExpr } from '../../core/acl/sample-expr.js';
import type { AddressActionName, SampleExprSpec } from '../model.js';
import { proxyLabel, type ProxyLineContext } from '../sections/proxy-draft.js';
import { fetchAllowed, readPatternFile, rulePlaces } from './acl.js';
import type { ActionLine, ActionParse } from './http-rule-actions.js';
import { placeProblem } from './rule-places.js';

/** True for a word that ends the arguments (the condition keyword) or nothing. */
function isEnd(word: string | undefined): boolean {
  return word === undefined || word === '' || word === 'if' || word === 'unless';
}

/**
 * The expression of `set-src|set-src-port|set-dst|set-dst-port <expr>` (§4.2), checked as HAProxy 2.6 checks it
 * (every rule set: any fetch the proxy's request side offers; haproxy 2.6.12's texts). `wrap` words the error as
 * the rule keyword does; undefined after reporting.
 */
export function parseAddressExpr(ctx: ProxyLineContext, word: string | undefined, wrap: (m: string) => string): SampleExprSpec | undefined {
  if (isEnd(word)) return void ctx.diag.badValue(wrap('missing fetch method'), ctx.at);
  const expr = parseSampleExpr(word ?? '', 0, { readFile: readPatternFile });
  if (!expr.ok) {
    if (expr.notImplemented !== undefined) {
      ctx.diag.notImplemented(`sample ${expr.notImplemented}`, ctx.at, 'the rule is ignored', { shown: expr.notImplemented });
      return undefined;
    }
    return void ctx.diag.badValue(wrap(expr.message.replace(/\.$/, '')), ctx.at);
  }
  // HAProxy asks the fetch for the proxy's HTTP request places, whichever rule set holds the action.
  const places = rulePlaces('http-request', ctx.proxy.kind);
  if (!fetchAllowed(expr.spec, places)) {
    const source = exprFetch(expr.spec)?.source ?? 'internal state';
    return void ctx.diag.badValue(wrap(`fetch method '${word ?? ''}' extracts information from '${source}', none of which is available here`), ctx.at);
  }
  const problem = placeProblem(expr.spec, places);
  if (problem !== undefined) return void ctx.diag.badValue(wrap(`fetch method '${word ?? ''}' ${problem}`), ctx.at);
  return expr.spec;
}

/** `http-request set-src|set-src-port|set-dst|set-dst-port <expr>`. */
export function parseAddressAction(line: ActionLine): ActionParse {
  const label = `error detected in ${proxyLabel(line.ctx.proxy)} while parsing '${line.keyword} ${line.action}' rule : `;
  const expr = parseAddressExpr(line.ctx, line.ctx.args[line.first], (m) => `${label}${m}.`);
  if (expr === undefined) return { ok: false };
  return { ok: true, rule: { action: line.action as AddressActionName, expr }, next: line.first + 1 };
}
