// readProxyHeader: `bind ... accept-proxy` on a real accepted socket (header split, bytes past it, failures, timeout).

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { OrcaError } from '../../core/errors.js';
import type { ProxyAddresses } from '../../core/proxy-protocol/addresses.js';
import { readProxyHeader } from '../../core/proxy-protocol/parse.js';
import { encodeProxyV1 } from '../../core/proxy-protocol/v1.js';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';
import { within } from '../support/wait.js';

const A: ProxyAddresses = { family: 'TCP4', srcAddress: '10.1.2.3', srcPort: 40000, dstAddress: '10.9.9.9', dstPort: 8848 };

/** A connected client and the server's accepted socket, cleaned up after the test. */
async function connection(t: { after: (fn: () => void) => void }): Promise<{ client: net.Socket; accepted: net.Socket }> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const acceptedP = once(srv, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ port: (srv.address() as net.AddressInfo).port, host: '127.0.0.1' });
  client.on('error', () => {});
  const [accepted] = await acceptedP;
  t.after(() => {
    client.destroy();
    accepted.destroy();
    srv.close();
  });
  return { client, accepted };
}

function isBadHeader(detail: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof OrcaError);
    assert.equal(err.code, 'ORCA_CLIENT_BAD_PROXY_HEADER');
    assert.match(err.detail ?? '', detail);
    return true;
  };
}

test('returns the addresses and the bytes already read past a v1 header', async (t) => {
  const { client, accepted } = await connection(t);
  client.write(Buffer.concat([encodeProxyV1(A), Buffer.from('API 0 8 / 32_1_4_2\n')]));
  const r = await within(readProxyHeader(accepted, 2000), 3000, 'header');
  assert.deepEqual(r.addresses, A);
  assert.equal(r.rest.toString(), 'API 0 8 / 32_1_4_2\n');
});

test('waits for a v2 header sent one byte at a time, and leaves later bytes in the paused socket', async (t) => {
  const { client, accepted } = await connection(t);
  const header = encodeProxyV2(A);
  client.setNoDelay(true);
  const reading = readProxyHeader(accepted, 3000);
  for (const byte of header) {
    await new Promise<void>((resolve) => client.write(Buffer.from([byte]), () => resolve()));
  }
  const r = await within(reading, 4000, 'header');
  assert.deepEqual(r.addresses, A);
  assert.equal(r.rest.length, 0);
  assert.equal(accepted.isPaused(), true);
  client.end('after');
  accepted.resume();
  const chunks: Buffer[] = [];
  accepted.on('data', (c: Buffer) => chunks.push(c));
  await within(once(accepted, 'end'), 2000, 'end');
  assert.equal(Buffer.concat(chunks).toString(), 'after');
});

test('a v2 LOCAL header yields no addresses', async (t) => {
  const { client, accepted } = await connection(t);
  client.write(Buffer.concat([encodeProxyV2(undefined), Buffer.from('x')]));
  const r = await within(readProxyHeader(accepted, 2000), 3000, 'header');
  assert.equal(r.addresses, undefined);
  assert.equal(r.rest.toString(), 'x');
});

test('rejects a connection that starts without a PROXY header, and closes it', async (t) => {
  const { client, accepted } = await connection(t);
  client.write('GET / HTTP/1.1\r\n\r\n');
  await assert.rejects(within(readProxyHeader(accepted, 2000), 3000, 'reject'), isBadHeader(/no PROXY header/));
  await within(once(client, 'close'), 2000, 'client closed');
});

test('rejects an invalid header with the reason', async (t) => {
  const { client, accepted } = await connection(t);
  client.write('PROXY TCP4 1.2.3.4 5.6.7.8 99999 80\r\n');
  await assert.rejects(within(readProxyHeader(accepted, 2000), 3000, 'reject'), isBadHeader(/bad port/));
});

test('rejects when the client closes before the header is complete', async (t) => {
  const { client, accepted } = await connection(t);
  client.end('PROXY TCP4 1.2.3');
  await assert.rejects(within(readProxyHeader(accepted, 2000), 3000, 'reject'), isBadHeader(/closed before/));
});

test('rejects after the timeout when the client sends nothing', async (t) => {
  const { accepted } = await connection(t);
  const started = Date.now();
  await assert.rejects(within(readProxyHeader(accepted, 100), 3000, 'reject'), isBadHeader(/timeout/));
  assert.ok(Date.now() - started >= 90);
});
