// `set server B/S addr A [port P]` (HAProxy 2.6 management.txt §9.3): the answer haproxy 2.6.12 composes (what
// changed, what did not, "by 'stats socket command'"), measured with socat, and the change sent to the health thread,
// which publishes it for the forwarders' next dials and its own checks (core/shared/server-address.ts). orcalb keeps a
// runtime address as one IPv4 word: an IPv6 address is refused with a line that says so. Stats thread.

import { isIPv4, isIPv6 } from 'node:net';
import type { BackendConfig, ServerConfig } from '../../config/model.js';
import { ipv4Word, serverFixedPort, serverHost } from '../shared/server-address.js';
import { serverSlotIndex } from '../shared/topology.js';
import type { CliContext } from './cli-command.js';

const BY = " by 'stats socket command'\n";

/** The answer to `set server B/S addr …` (`args`: the words after `addr`). Never throws. */
export async function setServerAddr(ctx: CliContext, backend: BackendConfig, server: ServerConfig, args: readonly string[]): Promise<string> {
  const [address, keyword, portWord] = args;
  if (address === undefined) return 'set server <b>/<s> addr requires an address and optionally a port.\n';
  if (!isIPv4(address) && !isIPv6(address)) return `Invalid addr '${address}'${BY}`;
  const word = ipv4Word(address);
  if (word === 0) return `orcalb keeps a server's runtime address as one IPv4 address: '${address}' refused${BY}`;
  const b = ctx.config.backends.indexOf(backend);
  const slot = ctx.state.server(serverSlotIndex(ctx.topology, b, backend.servers.indexOf(server)));
  const oldHost = serverHost(slot, server);
  const parts = [oldHost === address ? 'no need to change the addr' : `IP changed from '${oldHost}' to '${address}'`];
  let port: number | undefined;
  if (keyword === 'port') {
    const p = portWord ?? '';
    const digits = /^\s*(\d+)/.exec(p);
    if (p.startsWith('+') || p.startsWith('-')) {
      parts.push(
        "can't change <port> to port map because it is incompatible with current health check port configuration (use 'port' statement from the 'server' directive.",
      );
    } else if (digits === null) {
      parts.push(`problem converting port '${p}' to an int`);
    } else {
      // haproxy keeps the port in 16 bits: 70000 becomes 4464.
      const next = Number(digits[1]) % 65536;
      const old = serverFixedPort(slot, server);
      parts.push(old === next ? 'no need to change the port' : `port changed from '${old}' to '${next}'`);
      if (old !== next) port = next;
    }
  }
  const addrV4 = oldHost === address ? undefined : word;
  if (addrV4 !== undefined || port !== undefined) {
    try {
      const answer = await ctx.relay({ kind: 'server', backend: backend.name, server: server.name, command: { op: 'addr', ...(addrV4 === undefined ? {} : { addrV4 }), ...(port === undefined ? {} : { port }) } });
      if (!answer.ok) return answer.message ?? '';
    } catch (e) {
      return `${e instanceof Error ? e.message : String(e)}\n`;
    }
  }
  return `${parts.join(', ')}${BY}`;
}
