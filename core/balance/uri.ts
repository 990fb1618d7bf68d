// `balance uri [len <n>] [depth <n>] [whole] [path-only]` (HAProxy 2.6 §4.2, backend.c get_server_uh): the request
// target (or part of it) is hashed with the `hash-type` function and looked up in the map or ring. Arguments are
// parsed here once, at config load; the HTTP forwarder takes each request's key from requestKey() and passes it as
// PickRequest.key. Main thread (parseArgs); forwarder threads (balancer, key), one of each per backend per thread.

import type { BalanceArgs } from '../../config/model.js';
import { argsOfKind, LB_KIND, type BalancerAlgorithm } from './balancer.js';
import { HashBalancer, httpHasher } from './hash-balancer.js';
import { uriHashInput } from './hash-input.js';

/** A positive integer as HAProxy 2.6 wants after `len` and `depth`, or undefined. */
function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The `uri` options, with HAProxy 2.6's texts for a bad count and an unknown word. Main thread; pure. */
function parseUriArgs(inner: string | undefined, rest: readonly string[]): BalanceArgs | string {
  if (inner !== undefined) return "'uri' does not take an argument in parentheses";
  let len = 0;
  let depth = 0;
  let whole = false;
  let pathOnly = false;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? '';
    if (word === 'len' || word === 'depth') {
      const n = positiveInteger(rest[i + 1]);
      if (n === undefined) return `balance uri : '${word}' expects a positive integer (got '${rest[i + 1] ?? ''}').`;
      if (word === 'len') len = n;
      else depth = n;
      i++;
    } else if (word === 'whole') whole = true;
    else if (word === 'path-only') pathOnly = true;
    else return `balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '${word}').`;
  }
  return { kind: 'uri', len, depth, whole, pathOnly };
}

export const uriAlgorithm: BalancerAlgorithm = {
  name: 'uri',
  kind: LB_KIND.hash,
  needs: 'http',
  dynamicWeights: false,
  readsLoad: false,
  dynamicServers: 'consistent-hash',
  parseArgs: parseUriArgs,
  create: (backend, options) => {
    argsOfKind(options.args, 'uri');
    return new HashBalancer(backend, options.hashType, httpHasher(options.hashType));
  },
  requestKey: (args) => {
    const options = argsOfKind(args, 'uri');
    return (head) => uriHashInput(head.target, options);
  },
};
