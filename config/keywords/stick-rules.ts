// `stick on|match|store-request|store-response <pattern> [table <table>] [if|unless <cond>]` (manual §4.2 stick
// match, stick on, stick store-request, stick store-response): parsed into StickRuleDraft (`stick on` is a match and
// a store-request, as the manual defines it; `stick store` is HAProxy's old name of store-request), with HAProxy
// 2.6's texts. The table is resolved against every proxy by config/stick-refs.ts. Main thread, config parsing.

import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { unknownAcl } from './acl-names.js';
import { parseSampleKey } from './sample-key.js';
import { conditionOf, type StickRuleDraft } from './stick-draft.js';

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
  const key = parseSampleKey(args[2]);
  if (typeof key === 'string') return void diag.badValue(`'stick': ${key}`, at);
  let i = 3;
  let tableName: string | undefined;
  if (args[i] === 'table') {
    // A missing name is '' here, and config/stick-refs.ts reports "unable to find stick-table ''" as HAProxy does.
    tableName = args[i + 1] ?? '';
    i += 2;
  }
  const word = args[i];
  if (word !== undefined && word !== '' && word !== 'if' && word !== 'unless') {
    return void diag.badValue(`'stick': unknown keyword '${word}'.`, at, { found: word });
  }
  const unknown = word === undefined ? undefined : unknownAcl(args.slice(i + 1), proxy.aclNames);
  if (unknown !== undefined) {
    return void diag.badValue(`'stick': error detected while parsing sticking condition : no such ACL : '${unknown}'.`, at, {
      found: unknown,
    });
  }
  const condition = conditionOf(word, args.slice(i + 1));
  for (const kind of kinds) {
    proxy.stick.stickRules.push({ source: at, kind, key, tableName, ...(condition === undefined ? {} : { condition }) });
  }
  diag.notImplemented(`stick ${args[1] === 'store' ? 'store-request' : (args[1] ?? '')}`, at);
}
