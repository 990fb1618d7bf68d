// Whether a sample expression may run where a rule runs (HAProxy's "may not be reliably used here because it needs
// '…' which is not available here"), and whether orcalb evaluates it there: shared by every rule keyword that takes a
// log-format or an expression (http-* rules, use_backend, set-var). Main thread, config parsing; pure.

import { exprFetch } from '../../core/acl/sample-expr.js';
import type { SampleExprSpec } from '../model.js';
import { fetchAllowed, fetchImplemented } from './acl.js';

/** HAProxy's "may not be reliably used here" check of a log-format expression; undefined when it may run there. */
export function placeProblem(expr: SampleExprSpec, places: number): string | undefined {
  if (fetchAllowed(expr, places)) {
    return fetchImplemented(expr, places) ? undefined : `is not implemented by orcalb where this rule runs`;
  }
  const source = exprFetch(expr)?.source ?? 'internal state';
  return `may not be reliably used here because it needs '${source}' which is not available here`;
}
