// Regression (issue 10, perf study §1/§5): every TCP session armed a Node timer of its own for its idle limits
// (IdleWatch: a Timeout per session, re-armed as it fired) — an object per connection and a timer-list operation per
// re-arm — and every connection attempt armed one more for `timeout connect`. A session now files its deadlines on its
// thread's sweep, whose single interval serves every session: setting up and holding idle sessions arms no timer in
// core/ at all.

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { load, validConfig } from '../support/config-load.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { serveConfig } from '../support/l7-harness.js';
import { within } from '../support/wait.js';

const SESSIONS = 20;

test(`${SESSIONS} TCP sessions with connect and idle timeouts arm no Node timer each`, async (t) => {
  const echo = net.createServer((s) => {
    s.on('error', () => {});
    s.on('data', (d: Buffer) => s.write(d));
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  t.after(() => echo.close());
  const front = await freeTcpPort();
  const text = `
defaults
    mode tcp
    timeout connect 5s
    timeout client 1m
    timeout server 1m
frontend fe
    bind 127.0.0.1:${front}
    default_backend be
backend be
    server s1 127.0.0.1:${(echo.address() as net.AddressInfo).port}
`;
  const served = await serveConfig(validConfig(await load(text)));
  t.after(() => served.close());
  // Count the timers core/ creates from here on (the test's own bounded waits run outside the counted span).
  const armed: string[] = [];
  const { setTimeout: realTimeout, setInterval: realInterval } = globalThis;
  const fromCore = (): boolean => /\/core\//.test(new Error().stack ?? '');
  const counting = {
    setTimeout: ((...args: Parameters<typeof setTimeout>) => {
      if (fromCore()) armed.push('setTimeout');
      return realTimeout(...args);
    }) as typeof setTimeout,
    setInterval: ((...args: Parameters<typeof setInterval>) => {
      if (fromCore()) armed.push('setInterval');
      return realInterval(...args);
    }) as typeof setInterval,
  };
  Object.assign(globalThis, counting);
  t.after(() => Object.assign(globalThis, { setTimeout: realTimeout, setInterval: realInterval }));
  const clients: net.Socket[] = [];
  t.after(() => clients.forEach((c) => c.destroy()));
  const echoed = Array.from({ length: SESSIONS }, () => {
    const c = net.connect(served.ports[0] ?? 0, '127.0.0.1');
    c.on('error', () => {});
    clients.push(c);
    c.write('x');
    return once(c, 'data');
  });
  await within(Promise.all(echoed), 5000, 'every session to echo once');
  // The sessions are now idle, each with its client and server limits running.
  assert.equal(armed.filter((k) => k === 'setTimeout').length, 0, `timers armed: ${armed.join(', ')}`);
  assert.ok(armed.filter((k) => k === 'setInterval').length <= 1, 'at most the sweep of the thread');
});
