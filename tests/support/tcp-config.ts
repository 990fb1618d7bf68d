// The small mode-tcp configuration most end-to-end tests run: one frontend on 127.0.0.1, one roundrobin backend
// over the given server ports, generous timeouts. Options let a test add what it is about, nothing else.

export interface TcpConfigOptions {
  /** Appended to each `server` line (e.g. 'send-proxy', 'maxconn 1'). */
  readonly serverOptions?: string;
  /** Extra lines for the global, defaults, frontend and backend sections. */
  readonly global?: string;
  readonly defaults?: string;
  readonly frontend?: string;
  readonly backend?: string;
}

/** haproxy.cfg text: servers are named s1, s2, … in port order. */
export function tcpConfig(frontendPort: number, serverPorts: readonly number[], o: TcpConfigOptions = {}): string {
  const opt = o.serverOptions === undefined ? '' : ` ${o.serverOptions}`;
  return `
global
    maxconn 200
${o.global ?? ''}
defaults
    mode tcp
    timeout connect 2s
    timeout client 1m
    timeout server 1m
${o.defaults ?? ''}
frontend fe
    bind 127.0.0.1:${frontendPort}
    default_backend be
${o.frontend ?? ''}
backend be
    balance roundrobin
${o.backend ?? ''}
${serverPorts.map((p, i) => `    server s${i + 1} 127.0.0.1:${p}${opt}`).join('\n')}
`;
}
