// What the side-by-side TLS front tests share: the one-frontend, one-server config both haproxy and orcalb run, and a
// client that connects and says nothing (it keeps one of orcalb's forwarders loaded, so the least loaded pick sends
// the next connection to the other). Test-runner thread; 127.0.0.1 only.

import { connect, type Socket } from 'node:net';

/** A client that connects and stays silent (a handshake that never starts), resolved 100 ms after connecting. */
export function idleConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => setTimeout(() => resolve(s), 100));
    s.once('error', reject);
  });
}

/** `bind 127.0.0.1:front <bind>` to `server s1 127.0.0.1:server`; `global`: lines for the global section. */
export function tlsFrontConfig(front: number, server: number, bind: string, mode: 'http' | 'tcp' = 'http', global = ''): string {
  return `
global
${global}
defaults
    mode ${mode}
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${front} ${bind}
    default_backend be
backend be
    server s1 127.0.0.1:${server}
`;
}
