// The per-thread pool of idle server connections (HAProxy `http-reuse safe` reuse): most recent first, per server,
// a connection the server closes (or speaks on) while parked is never handed out, closeAll empties it. Real loopback
// sockets, connected through a SocketIo as the HTTP engine's are.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { IdleServerPool } from '../../core/forward/l7-idle-pool.js';
import { ServerConn } from '../../core/forward/l7-server-conn.js';
import { DeadlineSweep } from '../../core/io/deadline-sweep.js';
import { SocketIo } from '../../core/io/socket-io.js';
import { loadNativeAddon } from '../../core/native-addon.js';

describe('idle server pool', () => {
  let server: net.Server;
  const accepted: net.Socket[] = [];
  const clients: net.Socket[] = [];
  const io = new SocketIo(loadNativeAddon());
  const sweep = new DeadlineSweep();

  before(async () => {
    server = net.createServer((s) => {
      s.on('error', () => undefined);
      accepted.push(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    for (const s of [...accepted, ...clients]) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function conn(index: number): Promise<ServerConn> {
    const c = new ServerConn(io, sweep, '127.0.0.1', (server.address() as net.AddressInfo).port, 0, index);
    clients.push(c.socket);
    await new Promise<void>((r) => c.socket.once('connect', () => r()));
    c.attach();
    return c;
  }

  test('hands back the most recently parked live connection of that server only', async () => {
    const pool = new IdleServerPool();
    const a = await conn(0);
    const b = await conn(0);
    const c = await conn(1);
    assert.ok(pool.park(a) && pool.park(b) && pool.park(c));
    assert.equal(pool.size, 3);
    assert.equal(pool.take(0, 0), b);
    assert.equal(pool.take(0, 0), a);
    assert.equal(pool.take(0, 0), undefined);
    assert.equal(pool.take(1, 0), undefined, 'another backend');
    assert.equal(pool.take(0, 1), c);
  });

  test('a connection its server closes while parked leaves the pool', async () => {
    const pool = new IdleServerPool();
    const a = await conn(2);
    assert.ok(pool.park(a));
    const peer = accepted.at(-1);
    const closed = new Promise<void>((r) => a.socket.once('close', () => r()));
    peer?.destroy();
    await closed;
    assert.equal(pool.size, 0);
    assert.equal(pool.take(0, 2), undefined);
  });

  test('closeAll destroys every parked connection; a dead one is refused by park', async () => {
    const pool = new IdleServerPool();
    const a = await conn(3);
    const b = await conn(4);
    pool.park(a);
    pool.park(b);
    pool.closeAll();
    assert.equal(pool.size, 0);
    assert.ok(a.socket.destroyed && b.socket.destroyed);
    assert.equal(pool.park(a), false);
  });

  test('the purge closes connections parked for pool-purge-delay (5 s), the others stay', async () => {
    let now = 1000;
    const manual = new DeadlineSweep(() => now, false);
    const port = (server.address() as net.AddressInfo).port;
    const open = async (index: number): Promise<ServerConn> => {
      const c = new ServerConn(io, manual, '127.0.0.1', port, 0, index);
      clients.push(c.socket);
      await new Promise<void>((r) => c.socket.once('connect', () => r()));
      c.attach();
      return c;
    };
    const pool = new IdleServerPool();
    const early = await open(6);
    const late = await open(7);
    assert.ok(pool.park(early));
    now = 4000;
    assert.ok(pool.park(late));
    manual.runDue(6001);
    assert.ok(early.socket.destroyed, 'parked at 1000: purged at 6000');
    assert.ok(!late.socket.destroyed);
    assert.equal(pool.size, 1);
    manual.runDue(9009);
    assert.ok(late.socket.destroyed, 'parked at 4000: purged at 9000');
    assert.equal(pool.size, 0);
  });

  test('a parked connection whose server sends a byte is closed and never handed out', async () => {
    const pool = new IdleServerPool();
    const a = await conn(5);
    assert.ok(pool.park(a));
    const closed = new Promise<void>((r) => a.socket.once('close', () => r()));
    accepted.at(-1)?.write('x');
    await closed;
    assert.equal(pool.size, 0);
    assert.equal(pool.take(0, 5), undefined);
  });
});
