// A small emulated DolphinDB cluster for end-to-end tests (node1..nodeN on free ports of 127.0.0.1), the npm
// `dolphindb` client opened the way those tests open it, and a bound for every client call so no test can hang on
// a session whose node went away. Test-runner thread.

import { DDB } from 'dolphindb';
import { startEmulatedNode, type EmulatedNode, type EmulatedNodeOptions } from '../../core/dolphindb/emulated-node.js';

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
 * Settles like `work`, or rejects with "<what>: no answer within <ms> ms" once `ms` pass first. The timer never
 * outlives the race. Use it on every client call that crosses a balancer.
 */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A connected npm `dolphindb` client on ws://127.0.0.1:port (login admin/123456 unless `options` say otherwise),
 * with its console printing off (tests read print messages through listeners). Rejects like DDB.connect(), or after
 * `timeoutMs`. The caller disconnects it.
 */
export async function connectDdb(port: number, options: ConstructorParameters<typeof DDB>[1] = {}, timeoutMs = 5000): Promise<DDB> {
  const ddb = new DDB(`ws://127.0.0.1:${port}`, { username: 'admin', password: '123456', ...options });
  ddb.print_message = false;
  try {
    await within(timeoutMs, `connect to ws://127.0.0.1:${port}`, ddb.connect());
  } catch (err) {
    ddb.disconnect();
    throw err;
  }
  return ddb;
}
