// `balance hdr(<name>) [use_domain_only]` (HAProxy 2.6 §4.2, backend.c get_server_hh): the first value of one request
// header (or its domain label) is hashed with the `hash-type` function; a request without it goes round robin.
// Arguments are parsed here once, at config load; the HTTP forwarder takes each request's key from requestKey().
// Main thread (parseArgs); forwarder threads (balancer, key), one of each per backend per thread.

import type { BalanceArgs } from '../../config/model.js';
import { headerValue } from '../http1/header-list.js';
import { argsOfKind, LB_KIND, type BalancerAlgorithm } from './balancer.js';
import { HashBalancer, httpHasher } from './hash-balancer.js';
import { headerHashInput } from './hash-input.js';

/** The header name in parentheses and `use_domain_only`, with HAProxy 2.6's texts. Main thread; pure. */
function parseHdrArgs(inner: string | undefined, rest: readonly string[]): BalanceArgs | string {
  if (inner === undefined || inner === '') return 'balance hdr requires an http header field name.';
  const modifier = rest[0];
  if (modifier !== undefined && modifier !== 'use_domain_only') {
    return `balance hdr(${inner}) only accepts 'use_domain_only' modifier (got '${modifier}').`;
  }
  // haproxy 2.6.12 ignores further words; orcalb refuses them (as it always has).
  if (rest.length > 1) return "'balance hdr' only accepts 'use_domain_only' after the header name.";
  return { kind: 'hdr', header: inner, useDomainOnly: modifier === 'use_domain_only' };
}

export const hdrAlgorithm: BalancerAlgorithm = {
  name: 'hdr',
  kind: LB_KIND.hash,
  needs: 'http',
  dynamicWeights: false,
  readsLoad: false,
  dynamicServers: 'consistent-hash',
  parseArgs: parseHdrArgs,
  create: (backend, options) => {
    argsOfKind(options.args, 'hdr');
    return new HashBalancer(backend, options.hashType, httpHasher(options.hashType));
  },
  requestKey: (args) => {
    const { header, useDomainOnly } = argsOfKind(args, 'hdr');
    return (head) => headerHashInput(headerValue(head.headers, header), useDomainOnly);
  },
};
