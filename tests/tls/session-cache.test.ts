// The TLS session-id cache the forwarders share (core/tls/session-cache.ts): what is stored comes back only under
// its own bind tag and id, a second session hashing to the same entry replaces the first, what does not fit is not
// kept, an entry another thread is writing is neither read nor overwritten, and the protocol read from a session's
// DER tells TLS 1.2 from TLS 1.3 on sessions a real node:tls handshake made. Test-runner thread.

import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { SESSION_DATA_MAX, SESSION_ENTRY_BYTES, SessionCache, sessionCacheMemory, sessionProtocol } from '../../core/tls/session-cache.js';
import { TlsCerts } from '../support/tls-certs.js';
import { within } from '../support/wait.js';

const id = (n: number): Uint8Array => new Uint8Array(32).fill(n);

test('a stored session comes back under its tag and id only', () => {
  const memory = sessionCacheMemory(64);
  assert.ok(memory !== undefined);
  const cache = new SessionCache(memory);
  const session = Buffer.from('a session of some bytes');
  assert.equal(cache.store(7, id(1), session), true);
  assert.deepEqual(cache.lookup(7, id(1)), session);
  assert.equal(cache.lookup(8, id(1)), undefined, 'another bind');
  assert.equal(cache.lookup(7, id(2)), undefined, 'another id');
  // A second cache over the same memory (another forwarder) sees it.
  assert.deepEqual(new SessionCache(memory).lookup(7, id(1)), session);
});

test('cachesize 0 makes no cache; a session too large or an id too long is not kept', () => {
  assert.equal(sessionCacheMemory(0), undefined);
  const cache = new SessionCache(new SharedArrayBuffer(4 * SESSION_ENTRY_BYTES));
  assert.equal(cache.store(1, id(1), new Uint8Array(SESSION_DATA_MAX + 1)), false);
  assert.equal(cache.lookup(1, id(1)), undefined);
  assert.equal(cache.store(1, id(1), new Uint8Array(SESSION_DATA_MAX).fill(9)), true);
  assert.equal(cache.lookup(1, id(1))?.length, SESSION_DATA_MAX);
  assert.equal(cache.store(1, new Uint8Array(33), Buffer.from('x')), false);
  assert.equal(cache.store(1, new Uint8Array(0), Buffer.from('x')), false);
});

test('one entry: the newer session replaces the older', () => {
  const cache = new SessionCache(new SharedArrayBuffer(SESSION_ENTRY_BYTES));
  cache.store(1, id(1), Buffer.from('first'));
  cache.store(1, id(2), Buffer.from('second, longer than the first'));
  assert.equal(cache.lookup(1, id(1)), undefined);
  assert.equal(cache.lookup(1, id(2))?.toString(), 'second, longer than the first');
});

test('an entry being written (odd sequence) is neither read nor taken by a second writer', () => {
  const memory = new SharedArrayBuffer(SESSION_ENTRY_BYTES);
  const cache = new SessionCache(memory);
  cache.store(1, id(1), Buffer.from('kept'));
  const seq = new Int32Array(memory);
  const before = Atomics.load(seq, 0);
  Atomics.add(seq, 0, 1); // another thread is in the middle of its write
  assert.equal(cache.lookup(1, id(1)), undefined);
  assert.equal(cache.store(1, id(2), Buffer.from('other')), false);
  Atomics.store(seq, 0, before + 2); // its write is done
  assert.equal(cache.lookup(1, id(1))?.toString(), 'kept');
});

test('sessionProtocol reads TLS 1.2 and TLS 1.3 from sessions of real handshakes', async (t) => {
  const certs = new TlsCerts();
  t.after(() => certs.cleanup());
  const leaf = certs.issue(certs.ca('ca', 'ec'), 'leaf', { alg: 'ec' });
  const server = tls.createServer({ cert: leaf.certText, key: leaf.keyText }, (s) => s.end('x'));
  const made: Buffer[] = [];
  server.on('newSession', (_id: Buffer, data: Buffer, done: () => void) => {
    made.push(data);
    done();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const seen: number[] = [];
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    made.length = 0;
    // TLS 1.2 makes a session by id only for a client without tickets.
    const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion, secureOptions: constants.SSL_OP_NO_TICKET });
    client.resume();
    await within(once(client, 'close'), 5000, `a ${maxVersion} connection`);
    assert.ok(made.length > 0, `a ${maxVersion} session was made`);
    seen.push(sessionProtocol(made[0] ?? Buffer.alloc(0)));
  }
  assert.deepEqual(seen, [0x0303, 0x0304]);
  assert.equal(sessionProtocol(Buffer.from('not DER')), -1);
});
