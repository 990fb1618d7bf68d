// dolphindb-discovery's pure parts: the getClusterPerf() table read into nodes (through the wire codec, as the
// emulated controller sends it: role filter, refusals of anything malformed), the `<NotLeader>` hint, and the slot
// plan (a node keeps its slot, down → held, gone → emptied, new → first empty slot, the rest reported).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leaderNamed } from '../../core/dolphindb/discovery-controller.js';
import { readClusterNodes } from '../../core/dolphindb/discovery-nodes.js';
import { planSlots, type PlacedNode, type SlotHolding } from '../../core/dolphindb/discovery-plan.js';
import { decodeObject } from '../../core/dolphindb/object-decoder.js';
import { encodeObject } from '../../core/dolphindb/object-encoder.js';
import { ddbInt, ddbString, ddbTable, ddbVector, type DdbObject } from '../../core/dolphindb/objects.js';
import { ClusterRoster } from '../../emulator/controller-roster.js';

/** The object as orcalb receives it: encoded and decoded by the wire codec. */
function overTheWire(obj: DdbObject): DdbObject {
  const decoded = decodeObject(encodeObject(obj));
  assert.equal(decoded.kind, 'ok');
  if (decoded.kind !== 'ok') throw new Error('unreachable');
  return decoded.value;
}

describe('readClusterNodes: a controller getClusterPerf() answer', () => {
  const roster = new ClusterRoster([
    { name: 'dn1', host: '10.0.0.1', port: 8848, mode: 'datanode', alive: true },
    { name: 'agent1', host: '10.0.0.1', port: 8800, mode: 'agent', alive: true },
    { name: 'cn1', host: 'ddb-c1.local', port: 8850, mode: 'computenode', alive: true },
    { name: 'dn2', host: '10.0.0.2', port: 8848, mode: 'datanode', alive: false },
  ]);
  const table = overTheWire(roster.clusterPerf());

  test('role datanode takes the data nodes, with their state; agents never', () => {
    assert.deepEqual(readClusterNodes(table, 'datanode'), {
      ok: true,
      nodes: [
        { name: 'dn1', host: '10.0.0.1', port: 8848, mode: 0, alive: true },
        { name: 'dn2', host: '10.0.0.2', port: 8848, mode: 0, alive: false },
      ],
    });
  });

  test('role computenode and role all', () => {
    const compute = readClusterNodes(table, 'computenode');
    assert.deepEqual(compute.ok ? compute.nodes.map((n) => n.name) : compute.reason, ['cn1']);
    const all = readClusterNodes(table, 'all');
    assert.deepEqual(all.ok ? all.nodes.map((n) => n.name) : all.reason, ['dn1', 'cn1', 'dn2']);
  });

  test('anything but a well-formed table is refused as a whole, with the reason', () => {
    const reasons = [
      undefined,
      ddbString('not a table'),
      ddbTable([{ name: 'host', data: ddbVector('STRING', ['h']) }]),
      ddbTable([
        { name: 'name', data: ddbVector('STRING', ['a', 'a']) }, { name: 'host', data: ddbVector('STRING', ['h', 'h']) },
        { name: 'port', data: ddbVector('INT', [1, 2]) }, { name: 'mode', data: ddbVector('INT', [0, 0]) },
        { name: 'state', data: ddbVector('BOOL', [1, 1]) },
      ]),
      ddbTable([
        { name: 'name', data: ddbVector('STRING', ['a']) }, { name: 'host', data: ddbVector('STRING', ['h']) },
        { name: 'port', data: ddbVector('INT', [70000]) }, { name: 'mode', data: ddbVector('INT', [0]) },
        { name: 'state', data: ddbVector('BOOL', [1]) },
      ]),
      ddbInt(3),
    ].map((o) => {
      const r = readClusterNodes(o === undefined ? undefined : overTheWire(o), 'datanode');
      return r.ok ? 'accepted' : r.reason;
    });
    assert.deepEqual(reasons, [
      'getClusterPerf() answered no object, not a table',
      'getClusterPerf() answered a scalar, not a table',
      'getClusterPerf() has no column name, port, mode, state',
      'getClusterPerf() lists node a twice',
      'getClusterPerf() row 1 (a) has port 70000',
      'getClusterPerf() answered a scalar, not a table',
    ]);
  });
});

describe('leaderNamed: the <NotLeader> hint', () => {
  const controllers = [{ host: '10.0.0.1', port: 8900 }, { host: '10.0.0.2', port: 8900 }];
  test('names the configured controller the follower points at, or none', () => {
    assert.equal(leaderNamed('<NotLeader>10.0.0.2:8900:controller2', controllers), 1);
    assert.equal(leaderNamed('<NotLeader>10.0.0.9:8900:controller9', controllers), undefined);
    assert.equal(leaderNamed('The user name or password is incorrect.', controllers), undefined);
  });
});

describe('planSlots', () => {
  const node = (name: string, port: number, alive = true): PlacedNode => ({ name, address: '127.0.0.1', port, alive });
  const empty: SlotHolding = { node: undefined };

  test('new nodes take the empty slots in order; the rest are reported, not dropped', () => {
    const plan = planSlots([empty, empty], [node('a', 1), node('b', 2), node('c', 3)]);
    assert.deepEqual(plan.steps.map((s) => [s.slot, s.kind]), [[0, 'fill'], [1, 'fill']]);
    assert.deepEqual(plan.unplaced, ['c']);
  });

  test('a node keeps its slot; nothing is redone for a node that did not change', () => {
    const plan = planSlots([{ node: node('b', 2) }, { node: node('a', 1) }], [node('a', 1), node('b', 2)]);
    assert.deepEqual(plan.steps, []);
    assert.deepEqual(plan.holdings.map((h) => h.node?.name), ['b', 'a']);
  });

  test('down → held in its slot; back alive or moved → filled again; gone → emptied, its slot reused', () => {
    const start: SlotHolding[] = [{ node: node('a', 1) }, { node: node('b', 2) }, { node: node('c', 3) }];
    const plan = planSlots(start, [node('a', 1, false), node('b', 20), node('d', 4)]);
    assert.deepEqual(plan.steps.map((s) => [s.slot, s.kind, s.kind === 'empty' ? s.was : s.node.name]), [
      [0, 'down', 'a'], [1, 'fill', 'b'], [2, 'empty', 'c'], [2, 'fill', 'd'],
    ]);
    const back = planSlots(plan.holdings, [node('a', 1), node('b', 20), node('d', 4)]);
    assert.deepEqual(back.steps.map((s) => [s.slot, s.kind]), [[0, 'fill']]);
  });
});
