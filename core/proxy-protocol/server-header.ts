// The PROXY header a server line asks for (§5.2 `send-proxy`, `send-proxy-v2`, `send-proxy-v2-ssl[-cn]`): v1's line,
// or v2's binary header with the SSL TLV when asked. The one place the forwarders (traffic) and the health thread
// (checks: `addresses` undefined for v2's LOCAL header, `client` undefined) turn a server's setting into bytes.
// Pure; allocates the header.

import type net from 'node:net';
import type { ProxyV2Ssl, SendProxy } from '../../config/model.js';
import type { ProxyAddresses } from './addresses.js';
import { clientTlsFacts, encodeSslTlv } from './ssl-tlv.js';
import { encodeProxyV1 } from './v1.js';
import { encodeProxyV2 } from './v2.js';

/** What of a server's config decides its header. */
export interface ProxyHeaderSetting {
  readonly sendProxy: SendProxy;
  readonly proxyV2Ssl?: ProxyV2Ssl | undefined;
}

/**
 * The header for one server connection, or undefined for `sendProxy` 'none'. `client`: the client's socket (a TLS one
 * on an ssl bind) whose TLS facts the SSL TLV carries; undefined on checks. Throws TypeError on an address the
 * encoders refuse (as they do).
 */
export function serverProxyHeader(s: ProxyHeaderSetting, a: ProxyAddresses | undefined, client: net.Socket | undefined): Buffer | undefined {
  if (s.sendProxy === 'none') return undefined;
  if (s.sendProxy === 'v1') return encodeProxyV1(a);
  const ssl = s.proxyV2Ssl;
  return encodeProxyV2(a, ssl === undefined ? undefined : encodeSslTlv(clientTlsFacts(client, ssl === 'ssl-cn')));
}
