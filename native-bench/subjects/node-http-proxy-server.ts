// Process entry for the node-http-proxy subject: an http.Server per cluster worker that hands every request to
// http-proxy's `web()` with the next backend round-robin, X-Forwarded-For on (`xfwd`), and server connections kept
// alive and reused (a keep-alive http.Agent), like HAProxy's default keep-alive mode. Exits 3 without the package.

import cluster from 'node:cluster';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

interface ProxyServer {
  web(req: IncomingMessage, res: ServerResponse, options: { target: string }, onError: (e: Error) => void): void;
}

/** Reads createProxyServer from the dynamically imported module, whatever its CJS/ESM wrapping. */
function factoryOf(mod: unknown): ((opts: Record<string, unknown>) => ProxyServer) | undefined {
  const candidates = [mod, typeof mod === 'object' && mod !== null && 'default' in mod ? mod.default : undefined];
  for (const c of candidates) {
    // CommonJS `module.exports` of http-proxy is a function carrying createProxyServer as a property.
    const holder = typeof c === 'object' || typeof c === 'function' ? c : undefined;
    if (holder !== undefined && holder !== null && 'createProxyServer' in holder && typeof holder.createProxyServer === 'function') {
      const f = holder.createProxyServer as (opts: Record<string, unknown>) => unknown;
      return (opts) => f(opts) as ProxyServer;
    }
  }
  return undefined;
}

const { values } = parseArgs({ options: { port: { type: 'string' }, threads: { type: 'string' }, servers: { type: 'string' } } });
const port = Number(values.port);
const threads = Math.max(1, Number(values.threads ?? '1'));
const targets = (values.servers ?? '').split(',').filter((s) => s !== '').map((p) => `http://127.0.0.1:${p}`);

if (cluster.isPrimary && threads > 1) {
  for (let i = 0; i < threads; i++) cluster.fork();
  const stop = (): void => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  let mod: unknown;
  try {
    // A name in a variable: the package is optional and has no type declarations here.
    const name = 'http-proxy';
    mod = (await import(name)) as unknown;
  } catch {
    process.stderr.write("node-http-proxy: npm package 'http-proxy' not installed (npm install --save-dev http-proxy)\n");
    process.exit(3);
  }
  const factory = factoryOf(mod);
  if (factory === undefined) {
    process.stderr.write('node-http-proxy: http-proxy has no createProxyServer\n');
    process.exit(3);
  }
  const proxy = factory({ xfwd: true, agent: new Agent({ keepAlive: true }) });
  let next = 0;
  const server = createServer((req, res) => {
    const target = targets[next++ % targets.length] ?? 'http://127.0.0.1:1';
    proxy.web(req, res, { target }, () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  // Same idle keep-alive as `timeout http-keep-alive 10s`.
  server.keepAliveTimeout = 10_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}
