// `balance <algorithm> [args]` and `hash-type <method> [<function>] [avalanche]` (manual §4.2): HAProxy's
// syntax for each algorithm's arguments, mapped to BalanceConfig { algorithm, args, hashType }. Algorithm names
// and the final argument check come from core/balance/registry.ts. Main thread, config parsing.

import { algorithmNames, getAlgorithm } from '../../core/balance/registry.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseInteger } from '../units.js';

/** HAProxy 2.6 algorithms orcalb does not implement: accepted with a warning, balanced round-robin instead. */
const HAPROXY_ONLY_ALGORITHMS: readonly string[] = ['rdp-cookie', 'hash'];

const URI_FLAGS = new Set(['whole', 'path-only']);

/** Parses a `balance` line into the draft (the last `balance` line of a section wins, as in HAProxy). */
export function parseBalanceLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const word = args[1] ?? '';
  const m = /^([a-z_-]+)(?:\((.*)\))?$/.exec(word);
  const name = m?.[1] ?? word;
  const inner = m?.[2];
  const rest = args.slice(2);
  // HAProxy reads a bare `balance` as round-robin rather than as an error.
  if (word === '') {
    proxy.balance = { algorithm: 'roundrobin', args: [], source: at };
    return;
  }
  // Accepting these keeps real HAProxy files loading; round-robin is what HAProxy itself uses when the hash
  // input is missing, so it is the least surprising stand-in.
  if (HAPROXY_ONLY_ALGORITHMS.includes(name)) {
    diag.notImplemented(`balance ${name}`, at, "the backend balances with 'roundrobin' instead");
    proxy.balance = { algorithm: 'roundrobin', args: [], source: at };
    return;
  }
  const algorithm = m === null ? undefined : getAlgorithm(name);
  if (algorithm === undefined) {
    diag.error('ORCA_CONFIG_BAD_VALUE', `unknown algorithm '${word}'`, at, {
      keyword: 'balance',
      found: word,
      expected: `one of ${algorithmNames().join(', ')}`,
    });
    return;
  }
  // HAProxy's own wording for the argument forms it documents, then the algorithm's own check as the authority.
  const checked = algorithmArgs(name, inner, rest);
  const parsed = typeof checked === 'string' ? checked : (algorithm.validateArgs(checked) ?? checked);
  if (typeof parsed === 'string') {
    // HAProxy's own texts for `random` already start with "balance ..."; the others get the keyword prefix.
    const found = args.slice(1).join(' ');
    diag.badValue(parsed, at, parsed.startsWith('balance ') ? { found } : { keyword: 'balance', found });
    return;
  }
  proxy.balance = { algorithm: name, args: parsed, source: at };
}

/** Checks one algorithm's arguments (HAProxy's syntax); returns the args list or an error text. */
function algorithmArgs(name: string, inner: string | undefined, rest: readonly string[]): string[] | string {
  // Only `random(<draws>)` and `hdr(<name>)` carry a parenthesised argument in 2.6.
  if (inner !== undefined && name !== 'random' && name !== 'hdr') {
    return `'${name}' does not take an argument in parentheses`;
  }
  switch (name) {
    case 'random': {
      if (rest.length > 0) return `'balance random' does not take argument '${rest[0] ?? ''}'`;
      if (inner === undefined) return [];
      // The draw count goes first in args, where core/balance/random.ts reads it.
      const draws = parseInteger(inner);
      if (draws === undefined || draws < 1) return 'balance random : number of draws must be at least 1.';
      return [String(draws)];
    }
    case 'hdr': {
      if (inner === undefined || inner === '') return "'balance hdr' requires an http header field name.";
      if (rest.length > 1 || (rest.length === 1 && rest[0] !== 'use_domain_only')) {
        return "'balance hdr' only accepts 'use_domain_only' after the header name.";
      }
      return [inner, ...rest];
    }
    case 'uri':
      return uriArgs(rest);
    case 'url_param': {
      const param = rest[0];
      if (param === undefined || param === '') return "'balance url_param' requires an URL parameter name.";
      if ((rest.length > 1 && rest[1] !== 'check_post') || rest.length > 3) {
        return "'balance url_param' only accepts 'check_post' after the parameter name.";
      }
      // §4.2: check_post "used to support an optional <max_wait> parameter which is now ignored": drop it.
      return rest.slice(0, 2);
    }
    default:
      return [...rest];
  }
}

/** `uri [len <n>] [depth <n>] [whole] [path-only]`. */
function uriArgs(rest: readonly string[]): string[] | string {
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? '';
    if (URI_FLAGS.has(word)) continue;
    if (word === 'len' || word === 'depth') {
      if (parseInteger(rest[i + 1] ?? '') === undefined) return `'balance uri ${word}' expects a positive integer.`;
      i++;
      continue;
    }
    return "'balance uri' only accepts parameters 'len', 'depth', 'path-only', and 'whole'.";
  }
  return [...rest];
}

const HASH_METHODS = ['map-based', 'consistent'] as const;
const HASH_FUNCTIONS = ['sdbm', 'djb2', 'wt6', 'crc32'] as const;

/** `hash-type <map-based|consistent> [sdbm|djb2|wt6|crc32] [avalanche]`, HAProxy 2.6's messages on errors. */
export function parseHashTypeLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const method = HASH_METHODS.find((m) => m === args[1]);
  if (method === undefined) {
    diag.badValue("'hash-type' only supports 'consistent' and 'map-based'.", at, { found: args[1] ?? '' });
    return;
  }
  const fnWord = args[2];
  // §4.2 hash-type: the function is optional and defaults to sdbm.
  const fn = fnWord === undefined ? 'sdbm' : HASH_FUNCTIONS.find((f) => f === fnWord);
  if (fn === undefined) {
    diag.badValue("'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.", at, {
      found: fnWord ?? '',
    });
    return;
  }
  const modifier = args[3];
  if (modifier !== undefined && modifier !== 'avalanche') {
    diag.badValue("'hash-type' only supports 'avalanche' as a modifier for hash functions.", at, {
      found: modifier,
    });
    return;
  }
  if (diag.tooManyArgs(args, 3, at)) return;
  // HAProxy 2.6 (cfgparse-listen.c): a bare `hash-type consistent` means sdbm WITH avalanche; without it, nearby
  // client addresses (127.x, 10.x) would all land on one server.
  const avalanche = modifier === 'avalanche' || (method === 'consistent' && fnWord === undefined);
  proxy.hashType = { method, function: fn, avalanche };
}
