// The real npm `dolphindb` client (WebSocket) against the emulated node, directly: login, scripts, the example
// table, error texts, wrong password, print messages, invoke and call, subprotocols. Node 24 has
// Promise.withResolvers, which dolphindb@3.x needs, so no polyfill is loaded.

import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { DDB, DdbDatabaseError, DdbInt, type DdbMessage } from 'dolphindb';
import { startEmulatedNode, type EmulatedNode } from '../../emulator/emulated-node.js';

let node: EmulatedNode;

before(async () => {
  node = await startEmulatedNode({ name: 'jsnode', users: { admin: '123456', alice: 'wonder' } });
});
after(async () => {
  await node.close();
});

async function connected(t: TestContext, options: ConstructorParameters<typeof DDB>[1] = {}): Promise<DDB> {
  const ddb = new DDB(`ws://127.0.0.1:${node.port}`, options);
  // The client prints MSG chunks and connection events on its own; tests read them through listeners instead.
  ddb.print_message = false;
  t.after(() => ddb.disconnect());
  await ddb.connect();
  return ddb;
}

describe('npm dolphindb client against the emulated node', () => {
  test('Promise.withResolvers exists, so the client needs no polyfill on this Node', () => {
    assert.equal(typeof Promise.withResolvers, 'function');
  });

  test('connects with the default admin login and computes 1+1', async (t) => {
    const ddb = await connected(t);
    assert.equal(await ddb.execute<number>('1+1'), 2);
    assert.equal(await ddb.execute<number>('(10 - 4) * 7'), 42);
  });

  test('version() and call("version") return the version string', async (t) => {
    const ddb = await connected(t);
    const text = await ddb.execute<string>('version()');
    assert.match(text, /^\d+\.\d+\.\d+ \d{4}\.\d{2}\.\d{2} LINUX x86_64$/);
    const obj = await ddb.call('version');
    assert.equal(obj.value, text);
  });

  test('the example table comes back as rows', async (t) => {
    const ddb = await connected(t);
    const rows = await ddb.execute<Array<Record<string, unknown>>>('table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)');
    assert.deepEqual(rows, [
      { id: 1, name: 'tom', price: 1.5 }, { id: 2, name: 'bob', price: 2.25 }, { id: 3, name: 'tony', price: 3 },
    ]);
    const trades = await ddb.execute<Array<Record<string, unknown>>>('select * from trades');
    assert.equal(trades.length, 5);
  });

  test('a bad script rejects with the real syntax error text', async (t) => {
    const ddb = await connected(t);
    await assert.rejects(ddb.execute('foo bar'), (e: unknown) =>
      e instanceof DdbDatabaseError && e.message.includes('Syntax Error: [line #1] Cannot recognize the token foo'));
    await assert.rejects(ddb.call('nosuchfn'), (e: unknown) =>
      e instanceof DdbDatabaseError && e.message.includes("Can't recognize function name nosuchfn"));
    // The session survives an error.
    assert.equal(await ddb.execute<number>('2+2'), 4);
  });

  test('a wrong password makes connect() reject with the server text', async (t) => {
    const ddb = new DDB(`ws://127.0.0.1:${node.port}`, { username: 'admin', password: 'wrong' });
    t.after(() => ddb.disconnect());
    await assert.rejects(ddb.connect(), (e: unknown) => e instanceof Error && e.message.includes('The user name or password is incorrect.'));
  });

  test('another user from the users table logs in', async (t) => {
    const ddb = await connected(t, { username: 'alice', password: 'wonder' });
    assert.equal(await ddb.execute<number>('3*3'), 9);
  });

  test('print output reaches the client as print messages before the result', async (t) => {
    const ddb = await connected(t);
    const printed: string[] = [];
    const listener = (m: DdbMessage): void => { if (m.type === 'print') printed.push(m.data); };
    await ddb.execute('print("hello"); print(6*7)', { listener });
    assert.deepEqual(printed.map((s) => s.trim()), ['hello', '42']);
  });

  test('invoke with numbers goes through the client-defined invoke helper; call passes typed arguments', async (t) => {
    const ddb = await connected(t);
    assert.equal(await ddb.invoke<number>('add', [1, 2]), 3);
    assert.match(await ddb.invoke<string>('version'), /^\d+\.\d+/);
    const sum = await ddb.call('add', [new DdbInt(3), new DdbInt(4)]);
    assert.equal(sum.value, 7);
  });

  test('getPerf comes back as a dict the client can read', async (t) => {
    node.setLoad({ cpuUsage: 42.5 });
    t.after(() => node.setLoad({ cpuUsage: 1.5 }));
    const ddb = await connected(t);
    const perf = await ddb.execute<Record<string, number>>('getPerf()');
    assert.equal(perf['cpuUsage'], 42.5);
    assert.ok((perf['connectionNum'] ?? 0) >= 1);
  });

  test('injected failures reach the client: <DataNodeNotAvail> text, then a cut reply rejects the call', async (t) => {
    t.after(() => node.setFailure('none'));
    const ddb = await connected(t);
    await node.setFailure('not-available');
    await assert.rejects(ddb.execute('1+1'), (e: unknown) => e instanceof DdbDatabaseError && e.message.includes('<DataNodeNotAvail>'));
    await node.setFailure('close-mid-reply');
    // Half a reply arrives as one WebSocket message the client cannot parse; then the node drops the connection.
    await assert.rejects(ddb.execute('select * from trades'));
  });

  test('a python-session client gets its subprotocol echoed and works', async (t) => {
    const ddb = await connected(t, { python: true });
    assert.equal(await ddb.execute<number>('5+5'), 10);
  });
});
