// A small emulated DolphinDB cluster for end-to-end tests (node1..nodeN on free ports of 127.0.0.1), the npm
// `dolphindb` client opened the way those tests open it, and a bound for every client call so no test can hang on
// a session whose node went away. Test-runner thread.

import assert from 'node:assert/strict';
import { DDB, DdbConnectionError, DdbDatabaseError, type DdbMessage } from 'dolphindb';
import { startEmulatedNode, type EmulatedNode, type EmulatedNodeOptions } from '../../emulator/emulated-node.js';
import { within } from './wait.js';

export interface DdbCluster {
  readonly nodes: readonly EmulatedNode[];
  /** The node whose alias (getNodeAlias()) is `name`; throws for an unknown name. */
  node(name: string): EmulatedNode;
  ports(): number[];
  /** Closes every node (idempotent per node). */
  close(): Promise<void>;
}

/**
 * Starts `count` emulated nodes named node1..nodeN on free ports, all with the same extra options (e.g. the PROXY
 * switch). Rejects with the first start error, after closing the nodes already started.
 */
export async function startDdbCluster(count: number, options: Omit<EmulatedNodeOptions, 'name' | 'port'> = {}): Promise<DdbCluster> {
  const nodes: EmulatedNode[] = [];
  try {
    for (let i = 1; i <= count; i++) nodes.push(await startEmulatedNode({ ...options, name: `node${i}` }));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.close()));
    throw err;
  }
  return {
    nodes,
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (found === undefined) throw new Error(`no emulated node named ${JSON.stringify(name)}`);
      return found;
    },
    ports: () => nodes.map((n) => n.port),
    close: async () => { await Promise.all(nodes.map((n) => n.close())); },
  };
}

/**
 * A connected npm `dolphindb` client on ws://127.0.0.1:port (login admin/123456 unless `options` say otherwise),
 * with its console printing off (tests read print messages through listeners). Rejects like DDB.connect(), or after
 * `timeoutMs`. The caller disconnects it.
 */
export async function connectDdb(port: number, options: ConstructorParameters<typeof DDB>[1] = {}, timeoutMs = 5000, scheme: 'ws' | 'wss' = 'ws'): Promise<DDB> {
  const ddb = new DDB(`${scheme}://127.0.0.1:${port}`, { username: 'admin', password: '123456', ...options });
  ddb.print_message = false;
  try {
    await within(ddb.connect(), timeoutMs, `connect to ${scheme}://127.0.0.1:${port}`);
  } catch (err) {
    ddb.disconnect();
    throw err;
  }
  return ddb;
}

/**
 * The basic session every client test checks, whatever the path (direct, TCP mode, WebSocket through HTTP mode):
 * 1+1, version(), a table as rows, print messages, the real syntax-error text, and the session surviving the error.
 * Each call bounded by `callMs`. Test thread only.
 */
export async function assertClientBasics(ddb: DDB, callMs: number): Promise<void> {
  assert.equal(await within(ddb.execute<number>('1+1'), callMs, '1+1'), 2);
  assert.match(await within(ddb.execute<string>('version()'), callMs, 'version()'), /^\d+\.\d+\.\d+ \d{4}\.\d{2}\.\d{2} LINUX/);
  const rows = await within(ddb.execute<Array<Record<string, unknown>>>(
    'table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)'), callMs, 'table');
  assert.deepEqual(rows, [
    { id: 1, name: 'tom', price: 1.5 }, { id: 2, name: 'bob', price: 2.25 }, { id: 3, name: 'tony', price: 3 },
  ]);
  await assert.rejects(within(ddb.execute('foo bar'), callMs, 'foo bar'), (e: unknown) =>
    e instanceof DdbDatabaseError && e.message.includes('Syntax Error: [line #1] Cannot recognize the token foo'));
  const printed: string[] = [];
  const listener = (m: DdbMessage): void => { if (m.type === 'print') printed.push(m.data.trim()); };
  await within(ddb.execute('print("hello"); print(6*7)', { listener }), callMs, 'print');
  assert.deepEqual(printed, ['hello', '42']);
  // The session outlives an error: the same connection, the same node.
  assert.equal(await within(ddb.execute<number>('2+2'), callMs, '2+2'), 4);
}

/**
 * An npm `dolphindb` session that reconnects, as the official APIs' reconnect/HA options do (the npm client itself
 * cannot reuse a closed DDB: a new one is opened). A session found closed between two calls is simply opened again
 * (`reconnects`); a call (or a connect) whose connection closed under it is sent again on a new one (`resent`): that is what a
 * client with reconnect does, and what a balancer closing idle sessions must keep rare. Any other failure is thrown.
 * Test thread only.
 */
export class ReconnectingDdb {
  private ddb: DDB | undefined = undefined;
  reconnects = 0;
  resent = 0;
  /** Why each resend happened ('connect: …' or 'call: …'), for the test's report. */
  readonly resentWhy: string[] = [];
  private readonly port: number;
  private readonly callMs: number;

  constructor(port: number, callMs: number) {
    this.port = port;
    this.callMs = callMs;
  }

  /** Runs `script`; at most 3 connections are tried for one call. */
  async execute<T>(script: string): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.ddb !== undefined && !this.ddb.connected) {
        this.ddb.disconnect();
        this.ddb = undefined;
      }
      let phase = 'call';
      try {
        if (this.ddb === undefined) {
          this.reconnects++;
          phase = 'connect';
          this.ddb = await connectDdb(this.port, {}, this.callMs);
          phase = 'call';
        }
        return await within(this.ddb.execute<T>(script), this.callMs, script);
      } catch (err) {
        if (!(err instanceof DdbConnectionError)) throw err;
        lastError = err;
        this.resent++;
        this.resentWhy.push(`${phase}: ${err.message.replace(/^.*?ws:/, 'ws:')}`);
        this.ddb?.disconnect();
        this.ddb = undefined;
      }
    }
    throw lastError;
  }

  close(): void {
    this.ddb?.disconnect();
    this.ddb = undefined;
  }
}
