// `retry-on <keyword>...` (manual §4.2 "retry-on"): which failures let a request be retried, as a list of
// HAProxy 2.6's keywords and status codes in config/model.ts BackendConfig.retryOn. Main thread, config parsing.

import type { ProxyLineContext } from '../sections/proxy-draft.js';

/** Every keyword 2.6 accepts (§4.2 lists the status codes 401 403 404 408 425 500 501 502 503 504). */
export const RETRY_ON_KEYWORDS: readonly string[] = [
  'none', 'conn-failure', 'empty-response', 'junk-response', 'response-timeout', '0rtt-rejected',
  'all-retryable-errors', '401', '403', '404', '408', '425', '500', '501', '502', '503', '504',
];

/**
 * Parses a `retry-on` line; a valid line replaces the previous setting ("not cumulative", §4.2). HAProxy
 * refuses the keyword in a frontend instead of warning, so this handler runs before the capability check.
 */
export function parseRetryOnLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  if (proxy.kind === 'frontend') {
    diag.error('ORCA_CONFIG_SYNTAX', "'retry-on' only available in backend or listen section", at);
    return;
  }
  const words = args.slice(1);
  if (words.length === 0 || words[0] === '') {
    diag.badValue("'retry-on' needs at least one keyword to specify when to retry", at);
    return;
  }
  for (const word of words) {
    if (!RETRY_ON_KEYWORDS.includes(word)) {
      diag.badValue(`'retry-on': unknown keyword '${word}'`, at, { found: word });
      return;
    }
    if (word === 'none' && words.length > 1) {
      // HAProxy's own spelling ("keyworld") is kept so the text matches what users search for.
      diag.badValue("'retry-on' 'none' keyworld only usable alone", at);
      return;
    }
  }
  // Repeats are harmless; the engine reads a set.
  proxy.retryOn = [...new Set(words)];
}
