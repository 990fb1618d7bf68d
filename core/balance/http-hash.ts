// The L7 hashing algorithms `balance uri`, `balance url_param`, `balance hdr(name)` (HAProxy 2.6 §4.2). The HTTP
// forwarder extracts the key with hash-input.ts createHttpKeyExtractor() and passes it as PickRequest.key; here it
// is hashed with the `hash-type` function (+ avalanche) and looked up. Forwarder threads; one balancer per thread.
// Arguments as config/ hands them over: `hdr(Host) use_domain_only` → algorithm 'hdr', args ['Host', 'use_domain_only'].

import type { HashTypeConfig } from '../../config/model.js';
import type { BalancerAlgorithm } from './balancer.js';
import { HashBalancer, type KeyHasher } from './hash-balancer.js';
import { hashKey } from './hash-functions.js';
import { parseUriArgs } from './hash-input.js';

/** The L7 hasher: HAProxy's gen_hash() with the configured function, then `avalanche` when set. */
export function httpHasher(hashType: HashTypeConfig): KeyHasher {
  return (key) => hashKey(key, hashType);
}

export const uriAlgorithm: BalancerAlgorithm = {
  name: 'uri',
  needs: 'http',
  dynamicWeights: false,
  validateArgs: (args) => {
    const parsed = parseUriArgs(args);
    return typeof parsed === 'string' ? parsed : undefined;
  },
  create: (backend, options) => new HashBalancer(backend, options.hashType, httpHasher(options.hashType)),
};

export const urlParamAlgorithm: BalancerAlgorithm = {
  name: 'url_param',
  needs: 'http',
  dynamicWeights: false,
  validateArgs: (args) => {
    if (args[0] === undefined || args[0] === '') return 'url_param requires an URL parameter name';
    // check_post (hash a parameter of a POST body) is accepted as HAProxy does; the body is not looked at yet.
    if (args.length > 2 || (args[1] !== undefined && args[1] !== 'check_post')) {
      return `url_param only accepts 'check_post' modifier (got '${args.slice(1).join(' ')}')`;
    }
    return undefined;
  },
  create: (backend, options) => new HashBalancer(backend, options.hashType, httpHasher(options.hashType)),
};

export const hdrAlgorithm: BalancerAlgorithm = {
  name: 'hdr',
  needs: 'http',
  dynamicWeights: false,
  validateArgs: (args) => {
    if (args[0] === undefined || args[0] === '') return 'hdr requires an http header field name';
    if (args.length > 2 || (args[1] !== undefined && args[1] !== 'use_domain_only')) {
      return `hdr only accepts 'use_domain_only' modifier (got '${args.slice(1).join(' ')}')`;
    }
    return undefined;
  },
  create: (backend, options) => new HashBalancer(backend, options.hashType, httpHasher(options.hashType)),
};
