// Subject launcher: node-http-proxy (the `http-proxy` npm package) in its own process (node-http-proxy-server.ts),
// N cluster workers for N threads, mode http only. Skipped with the install command when the package is missing
// (it is not a dependency: `npm install --save-dev http-proxy`). Bench runner main thread.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from '../../tests/support/haproxy-process.js';
import { waitListening } from '../port-wait.js';
import type { SubjectLauncher } from './subject.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'node-http-proxy-server.js');

/** The installed http-proxy version, or undefined when the package cannot be resolved from this repo. */
function installedVersion(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg: unknown = require('http-proxy/package.json');
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
    return 'unknown';
  } catch {
    return undefined;
  }
}

export const nodeHttpProxyLauncher: SubjectLauncher = {
  name: 'node-http-proxy',
  modes: ['http'],
  version: installedVersion,
  async start(spec, env) {
    if (installedVersion() === undefined) {
      return { kind: 'skipped', note: "npm package 'http-proxy' not installed (npm install --save-dev http-proxy)" };
    }
    const port = await freeTcpPort();
    const child = env.group.spawn({
      name: 'node-http-proxy',
      command: process.execPath,
      args: [SERVER, '--port', String(port), '--threads', String(spec.threads), '--servers', spec.servers.join(',')],
      cpus: env.cpus,
      nofile: env.nofile,
    });
    await waitListening(port, child, 10_000);
    return {
      kind: 'running',
      subject: { name: 'node-http-proxy', ports: [port], pid: child.pid, stop: async () => void (await child.stop('SIGTERM', 3000)) },
    };
  },
};
