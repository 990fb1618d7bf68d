// `balance <algorithm> [args]` and `hash-type <method> [<function>] [avalanche]` (manual §4.2) into BalanceConfig
// { algorithm, args, hashType }. Each algorithm's descriptor (core/balance/<algorithm>.ts, through registry.ts) parses
// its own arguments with HAProxy's wording; this file keeps what is config syntax: the bare `balance`, HAProxy's
// algorithms orcalb does not implement, the unknown-name error and the `hash-type` line. Main thread, config parsing.

import { algorithmNames, parseBalanceWords } from '../../core/balance/registry.js';
import { DEFAULT_BALANCE } from '../defaults.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';

/** HAProxy 2.6 algorithms orcalb does not implement: accepted with a warning, balanced round-robin instead. */
const HAPROXY_ONLY_ALGORITHMS: readonly string[] = ['rdp-cookie', 'hash'];

/** Parses a `balance` line into the draft (the last `balance` line of a section wins, as in HAProxy). */
export function parseBalanceLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const word = args[1] ?? '';
  // HAProxy reads a bare `balance` as round-robin rather than as an error.
  if (word === '') {
    proxy.balance = { ...DEFAULT_BALANCE, source: at };
    return;
  }
  // Accepting these keeps real HAProxy files loading; round-robin is what HAProxy itself uses when the hash
  // input is missing, so it is the least surprising stand-in.
  const name = word.replace(/\(.*$/, '');
  if (HAPROXY_ONLY_ALGORITHMS.includes(name)) {
    diag.notImplemented(`balance ${name}`, at, "the backend balances with 'roundrobin' instead");
    proxy.balance = { ...DEFAULT_BALANCE, source: at };
    return;
  }
  const parsed = parseBalanceWords(args.slice(1));
  switch (parsed.kind) {
    case 'unknown':
      diag.error('ORCA_CONFIG_BAD_VALUE', `unknown algorithm '${word}'`, at, {
        keyword: 'balance',
        found: word,
        expected: `one of ${algorithmNames().join(', ')}`,
      });
      return;
    case 'error': {
      // HAProxy's own texts start with "balance ..."; orcalb's others get the keyword prefix.
      const found = args.slice(1).join(' ');
      const haproxyText = parsed.message.startsWith('balance ');
      diag.badValue(parsed.message, at, haproxyText ? { found } : { keyword: 'balance', found });
      return;
    }
    case 'ok':
      proxy.balance = { algorithm: parsed.algorithm, args: parsed.args, source: at };
  }
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
