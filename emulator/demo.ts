// `npm start`: the built-in demo. Starts four emulated DolphinDB data nodes and orcalb (config/examples/demo.cfg)
// in front of them: an HTTP front (the seed's haproxy-http.cfg; HTTPS too, with a certificate made at first start in
// ~/.orcalb/demo-https.pem: emulator/demo-certificate.ts), a TCP front with send-proxy (haproxy-tcp.cfg) and
// one port for every client (config/examples/ddb-one-port.cfg: switch-mode http for HTTP, TCP for the binary API).
// Prints where to point a client and stops everything on Ctrl-C. Needs no other software. Main thread only.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureDemoCertificate } from './demo-certificate.js';
import { startEmulatedNode, type EmulatedNode } from './emulated-node.js';

const NODE_PORTS = [18801, 18802, 18803, 18804];
/** Must match the `bind` lines of demo.cfg. */
const HTTP_FRONT = '127.0.0.1:18800';
const HTTPS_FRONT = '127.0.0.1:18843';
const TCP_PORT = 18880;
const TCP_FRONT = `127.0.0.1:${TCP_PORT}`;
const ONE_PORT = 18848;
const ONE_FRONT = `127.0.0.1:${ONE_PORT}`;
const STATS = 'http://127.0.0.1:18888/haproxyamdin';
const config = fileURLToPath(new URL('../../config/examples/demo.cfg', import.meta.url));
const mainJs = fileURLToPath(new URL('../workers/main.js', import.meta.url));

const nodes: EmulatedNode[] = [];
for (const [i, port] of NODE_PORTS.entries()) {
  nodes.push(await startEmulatedNode({ port, host: '127.0.0.1', name: `node${i + 1}`, proxy: 'auto' }));
}
process.stdout.write(
  `emulated DolphinDB data nodes: ${NODE_PORTS.map((p, i) => `node${i + 1}=127.0.0.1:${p}`).join(' ')}\n`,
);

// The HTTPS front's certificate: made at first start (node:crypto only), kept for later starts.
const certificate = ensureDemoCertificate();
const orcalb = spawn(process.execPath, [mainJs, '-f', config, '--threads', '2'], {
  stdio: ['ignore', 'inherit', 'pipe'],
  env: { ...process.env, ORCALB_DEMO_CERT: certificate },
});
orcalb.stderr.on('data', (chunk: Buffer) => {
  process.stderr.write(chunk);
  if (chunk.toString().includes('orcalb ready')) {
    process.stdout.write(
      [
        '',
        'orcalb is balancing three fronts over the four nodes (roundrobin, health checks every 2s):',
        `  HTTP front ${HTTP_FRONT} (mode http, the options of the seed's haproxy-http.cfg)`,
        `    JavaScript client: new DDB('ws://${HTTP_FRONT}')   web page: http://${HTTP_FRONT}/   JSON API: POST http://${HTTP_FRONT}/`,
        `  HTTPS      ${HTTPS_FRONT} on the same front (self-signed certificate ${certificate}: curl -k, new DDB('wss://${HTTPS_FRONT}'))`,
        `  TCP front  ${TCP_FRONT} (mode tcp, send-proxy, as the seed's haproxy-tcp.cfg)`,
        `    API clients (Python/Java/C++): host 127.0.0.1, port ${TCP_PORT}, user admin, password 123456`,
        `  One port   ${ONE_FRONT} (every client: the binary API stays TCP with send-proxy, HTTP and WebSocket switch to HTTP)`,
        `    new DDB('ws://${ONE_FRONT}'), http://${ONE_FRONT}/, or an API client on port ${ONE_PORT}`,
        `  Stats page ${STATS} (user admin, password admin; ;csv ;json), live dashboard ${STATS};dashboard,`,
        '    Prometheus http://127.0.0.1:18888/metrics',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  }
});

let stopping = false;
const orcalbExited = new Promise((r) => orcalb.once('exit', r));
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // SIGTERM is orcalb's hard stop, as haproxy's: a demo has nothing to drain.
  if (orcalb.exitCode === null && orcalb.signalCode === null) orcalb.kill('SIGTERM');
  const killer = setTimeout(() => orcalb.kill('SIGKILL'), 5000);
  await orcalbExited;
  clearTimeout(killer);
  await Promise.all(nodes.map((n) => n.close()));
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
orcalb.on('exit', (code, signal) => {
  // Ctrl-C in a terminal reaches orcalb too (same process group) and may end it before our own SIGINT listener runs.
  if (stopping || signal === 'SIGINT') return void stop();
  process.stderr.write(`orcalb exited with code ${code ?? 'null'}\n`);
  void Promise.all(nodes.map((n) => n.close())).then(() => process.exit(1));
});
