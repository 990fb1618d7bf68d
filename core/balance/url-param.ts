// `balance url_param <param> [check_post]` (HAProxy 2.6 §4.2, backend.c get_server_ph): the value of one query-string
// parameter is hashed with the `hash-type` function; a request without it goes round robin. Arguments are parsed
// here once, at config load; the HTTP forwarder takes each request's key from requestKey(). Main thread (parseArgs);
// forwarder threads (balancer, key), one of each per backend per thread.

import type { BalanceArgs } from '../../config/model.js';
import { argsOfKind, LB_KIND, type BalancerAlgorithm } from './balancer.js';
import { HashBalancer, httpHasher } from './hash-balancer.js';
import { urlParamValue } from './hash-input.js';

/** The parameter name and `check_post`, with HAProxy 2.6's texts. Main thread; pure. */
function parseUrlParamArgs(inner: string | undefined, rest: readonly string[]): BalanceArgs | string {
  if (inner !== undefined) return "'url_param' does not take an argument in parentheses";
  const param = rest[0];
  if (param === undefined || param === '') return 'balance url_param requires an URL parameter name.';
  const modifier = rest[1];
  if (modifier !== undefined && modifier !== 'check_post') {
    return `balance url_param only accepts 'check_post' modifier (got '${modifier}').`;
  }
  // §4.2: check_post "used to support an optional <max_wait> parameter which is now ignored": one is accepted and
  // dropped; haproxy 2.6.12 ignores any number of words there, orcalb refuses a second one (as it always has).
  if (rest.length > 3) return "'balance url_param' only accepts 'check_post' after the parameter name.";
  // check_post (hash a parameter of a POST body) is accepted as HAProxy does; the body is not looked at yet.
  return { kind: 'url_param', param, checkPost: modifier === 'check_post' };
}

export const urlParamAlgorithm: BalancerAlgorithm = {
  name: 'url_param',
  kind: LB_KIND.hash,
  needs: 'http',
  dynamicWeights: false,
  readsLoad: false,
  dynamicServers: 'consistent-hash',
  parseArgs: parseUrlParamArgs,
  create: (backend, options) => {
    argsOfKind(options.args, 'url_param');
    return new HashBalancer(backend, options.hashType, httpHasher(options.hashType));
  },
  requestKey: (args) => {
    const { param } = argsOfKind(args, 'url_param');
    return (head) => urlParamValue(head.target, param);
  },
};
