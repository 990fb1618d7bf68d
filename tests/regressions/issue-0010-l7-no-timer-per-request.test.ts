// Regression (issue 10, design changes 1 and 5; perf study §1): every wait of an HTTP session armed a Node timer of
// its own (a Timeout per request head wait, per response head wait, per body read, per blocked write: two or more per
// request, plus closures and promises), and connect attempts one more each. An HTTP session now files every limit on
// its thread's sweep (one interval for all sessions): keep-alive requests, bodies, new server connections and idle
// connections arm no timer in core/. Sessions run in the test process (tests/support/l7-harness.ts).

import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { serveConfig } from '../support/l7-harness.js';

const SESSIONS = 20;
const REQUESTS = 3;

test(`${SESSIONS} HTTP keep-alive sessions of ${REQUESTS} requests each (one with a body) arm no Node timer`, async (t) => {
  const backend = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(`ok ${req.url ?? ''}`));
  });
  backend.keepAliveTimeout = 60_000;
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  t.after(() => backend.close());
  const port = (backend.address() as { port: number }).port;
  const front = await freeTcpPort();
  const text = `
defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 1m
    timeout http-request 10s
    timeout http-keep-alive 1m
frontend fe
    bind 127.0.0.1:${front}
    default_backend be
backend be
    server s1 127.0.0.1:${port}
`;
  const served = await serveConfig(validConfig(await load(text)));
  t.after(() => served.close());
  // Count the timers core/ creates from here on (the tests' own bounded waits run outside core/).
  const armed: string[] = [];
  const { setTimeout: realTimeout, setInterval: realInterval } = globalThis;
  const fromCore = (): boolean => /\/core\//.test(new Error().stack ?? '');
  const counting = {
    setTimeout: ((...args: Parameters<typeof setTimeout>) => {
      if (fromCore()) armed.push(`setTimeout ${new Error().stack?.split('\n')[2]?.trim() ?? ''}`);
      return realTimeout(...args);
    }) as typeof setTimeout,
    setInterval: ((...args: Parameters<typeof setInterval>) => {
      if (fromCore()) armed.push('setInterval');
      return realInterval(...args);
    }) as typeof setInterval,
  };
  Object.assign(globalThis, counting);
  t.after(() => Object.assign(globalThis, { setTimeout: realTimeout, setInterval: realInterval }));
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => RawHttpConnection.open(front)));
  t.after(() => clients.forEach((c) => c.destroy()));
  await Promise.all(
    clients.map(async (c, i) => {
      for (let r = 0; r < REQUESTS; r++) {
        if (r === 1) c.write(`POST /c${i}/r${r} HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nbody`);
        else c.write(`GET /c${i}/r${r} HTTP/1.1\r\nhost: x\r\n\r\n`);
        const got = await c.response(5000);
        assert.equal(got.body.toString(), `ok /c${i}/r${r}`);
      }
    }),
  );
  // Every session now idles between requests, its keep-alive limit running.
  assert.deepEqual(armed.filter((k) => k !== 'setInterval'), []);
  assert.ok(armed.filter((k) => k === 'setInterval').length <= 1, 'at most the sweep of the thread');
});
