// Side by side with the real HAProxy 2.6: the same servers, weights and client addresses go through haproxy, and
// the server each connection reached must be the one our balancer picks, in the same order. Covers static-rr's
// map order, equal-weight roundrobin, and `balance source` under map-based, avalanche and consistent hashing.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { HashTypeConfig } from '../../config/model.js';
import { NO_ARGS } from '../../core/balance/balancer.js';
import { getAlgorithm } from '../../core/balance/registry.js';
import { startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { buildTestBackend } from '../support/backend-view.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';

const NAMES = ['s0', 's1', 's2', 's3'] as const;
// Client addresses anywhere in 127/8 are local on Linux, so each connection can come from its own source.
const CLIENTS = Array.from({ length: 40 }, (_, i) => `127.${(i * 5) % 256}.${(i * 37) % 256}.${1 + ((i * 11) % 250)}`);

let farm: BackendFarm;
before(async () => {
  farm = await startBackendFarm(NAMES);
});
after(() => farm.close());

/** Connects (from `localAddress` when given) and returns the tag line the backend sends first. */
function tagVia(port: number, localAddress?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no tag from ${port} within 5 s`));
    }, 5000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(text.slice(0, nl));
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

interface Scenario {
  readonly balance: string;
  /** The `hash-type` line as written, and what config/ turns it into. */
  readonly hashTypeLine?: string;
  readonly hashType: HashTypeConfig;
  readonly weights: readonly number[];
  /** Source addresses, one connection each; or a count of connections from 127.0.0.1. */
  readonly clients: readonly string[] | number;
}

/** Tags reached through haproxy, and the names our balancer picks for the same connections. */
async function runBoth(t: { after(fn: () => unknown): void }, s: Scenario): Promise<[string[], string[]]> {
  const port = await freeTcpPort();
  const config = [
    'global',
    '  nbthread 1',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    'listen parity',
    `  bind 127.0.0.1:${port}`,
    `  balance ${s.balance}`,
    ...(s.hashTypeLine === undefined ? [] : [`  hash-type ${s.hashTypeLine}`]),
    ...s.weights.map((w, i) => `  server ${NAMES[i]} 127.0.0.1:${farm.port(NAMES[i] ?? '')} weight ${w}`),
    '',
  ].join('\n');
  const haproxy = await startHaproxy(config);
  t.after(() => haproxy.stop());
  const clients = typeof s.clients === 'number' ? new Array<string | undefined>(s.clients).fill(undefined) : s.clients;
  const theirs: string[] = [];
  // One at a time, so that haproxy's order is the order of our picks.
  for (const client of clients) theirs.push(await tagVia(port, client));

  const be = buildTestBackend(s.weights.map((weight, i) => ({ name: NAMES[i] ?? '', weight })));
  const balancer = getAlgorithm(s.balance)?.create(be.view, { args: NO_ARGS, hashType: s.hashType });
  assert.ok(balancer);
  const ours = clients.map((key) => be.nameOf(balancer.pick(key === undefined ? {} : { key })));
  return [theirs, ours];
}

const MAP: HashTypeConfig = { method: 'map-based', function: 'sdbm', avalanche: false };

test('static-rr with weights 5,1,1 and 10,10,20 follows haproxy connection for connection', async (t) => {
  for (const weights of [
    [5, 1, 1],
    [10, 10, 20],
  ]) {
    const [theirs, ours] = await runBoth(t, { balance: 'static-rr', hashType: MAP, weights, clients: 14 });
    assert.deepEqual(ours, theirs, `weights ${weights.join(',')}`);
  }
});

test('roundrobin over equal weights follows haproxy', async (t) => {
  const [theirs, ours] = await runBoth(t, { balance: 'roundrobin', hashType: MAP, weights: [1, 1, 1, 1], clients: 9 });
  assert.deepEqual(ours, theirs);
});

test('source, map-based: every client address reaches the server haproxy sends it to', async (t) => {
  for (const weights of [
    [1, 1, 1, 1],
    [3, 2, 1],
    [2, 4, 6],
  ]) {
    const [theirs, ours] = await runBoth(t, { balance: 'source', hashType: MAP, weights, clients: CLIENTS });
    assert.deepEqual(ours, theirs, `weights ${weights.join(',')}`);
  }
});

test('source, map-based with avalanche, matches haproxy', async (t) => {
  const [theirs, ours] = await runBoth(t, {
    balance: 'source',
    hashTypeLine: 'map-based sdbm avalanche',
    hashType: { ...MAP, avalanche: true },
    weights: [1, 1, 1, 1],
    clients: CLIENTS,
  });
  assert.deepEqual(ours, theirs);
});

test('source, consistent (bare `hash-type consistent` means sdbm avalanche), matches haproxy', async (t) => {
  const [theirs, ours] = await runBoth(t, {
    balance: 'source',
    hashTypeLine: 'consistent',
    hashType: { method: 'consistent', function: 'sdbm', avalanche: true },
    weights: [1, 2, 3, 1],
    clients: CLIENTS,
  });
  assert.deepEqual(ours, theirs);
});
