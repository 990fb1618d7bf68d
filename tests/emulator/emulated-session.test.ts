// The emulated node's sessions and evaluator without sockets: arithmetic, variables, def, print, the functions
// clients call on their own, DolphinDB's error texts, login and client authentication, session renewal.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WRONG_PASSWORD, type NodeFacts } from '../../emulator/builtin-functions.js';
import { NodeKnobs } from '../../emulator/node-knobs.js';
import { decodeObject } from '../../core/dolphindb/object-decoder.js';
import { encodeObject } from '../../core/dolphindb/object-encoder.js';
import {
  DDB_NULL, ddbAnyVector, ddbBool, ddbDict, ddbInt, ddbLong, ddbScalar, ddbString, ddbVector, type DdbObject,
} from '../../core/dolphindb/objects.js';
import { readPerfDict } from '../../core/dolphindb/perf-dict.js';
import { LOGIN_REQUIRED, Session, type SessionAnswer } from '../../emulator/session.js';
import type { DdbRequestBody } from '../../core/dolphindb/wire-request.js';

function facts(knobs = new NodeKnobs(), clientAuth = false): NodeFacts {
  return {
    name: 'node7', host: '127.0.0.1', port: 8848, version: '3.00.2 2024.09.20 LINUX x86_64',
    users: new Map([['admin', '123456']]), clientAuth,
    load: () => knobs.snapshot(3), perfValues: () => knobs.perfValues, sessions: () => [],
  };
}

function send(session: Session, body: DdbRequestBody): SessionAnswer {
  return session.run({ api: 'API2', sessionId: session.sid, flags: 0, body });
}

function value(session: Session, script: string): DdbObject | undefined {
  const { reply } = send(session, { kind: 'script', script });
  if (reply.kind === 'error') throw new Error(reply.message);
  return reply.object;
}

function errorOf(session: Session, body: DdbRequestBody): string {
  const { reply } = send(session, body);
  assert.equal(reply.kind, 'error');
  return reply.kind === 'error' ? reply.message : '';
}

const newSession = (f = facts()): Session => new Session(f, { ip: '10.0.0.9', port: 5555 });

describe('script evaluation', () => {
  const ARITH: ReadonlyArray<[string, DdbObject]> = [
    ['1+1', ddbInt(2)], ['(1+2)*3', ddbInt(9)], ['7/2', ddbInt(3)], ['-7/2', ddbInt(-4)],
    ['1/0', ddbInt(DDB_NULL.i32)], ['2147483647+1', ddbInt(DDB_NULL.i32)], ['10000000000*2', ddbLong(20000000000n)],
    ['1.5*2', ddbScalar('DOUBLE', 3)], ['"ab"+\'cd\'', ddbString('abcd')], ['1..3', ddbVector('INT', [1, 2, 3])],
    ['`tom`bob', ddbVector('STRING', ['tom', 'bob'])], ['[1,2]', ddbVector('INT', [1, 2])], ['true', ddbBool(true)],
    ['2 * (3 +\n 4) // comment', ddbInt(14)],
  ];
  for (const [script, expected] of ARITH) {
    test(`${JSON.stringify(script)} evaluates like DolphinDB`, () => {
      assert.deepEqual(value(newSession(), script), expected);
    });
  }

  test('variables live in the session; def is accepted and yields no object', () => {
    const s = newSession();
    assert.equal(value(s, 'x = 6'), undefined);
    assert.deepEqual(value(s, 'x * 7'), ddbInt(42));
    assert.equal(value(s, 'def f(a, b) {\n  return a + b\n}'), undefined);
    assert.equal(value(s, 'def g(a): a + 1'), undefined);
    assert.match(errorOf(s, { kind: 'script', script: 'f(1, 2)' }), /cannot run the user-defined function f/);
  });

  test('print output comes back as messages before an object-less reply', () => {
    const answer = send(newSession(), { kind: 'script', script: 'print("hello"); print(1+1)' });
    assert.deepEqual(answer, { messages: ['hello', '2'], reply: { kind: 'ok', object: undefined } });
  });

  test('syntax errors carry the real texts', () => {
    const s = newSession();
    assert.equal(errorOf(s, { kind: 'script', script: 'foo bar' }), 'Syntax Error: [line #1] Cannot recognize the token foo');
    assert.equal(errorOf(s, { kind: 'script', script: '1\nprint(hello)' }), 'Syntax Error: [line #2] Cannot recognize the token hello');
    assert.match(errorOf(s, { kind: 'script', script: '1 +' }), /^Syntax Error: \[line #1\]/);
    assert.match(errorOf(s, { kind: 'script', script: '1 2' }), /Cannot recognize the token 2/);
  });

  test('hostile scripts get an error, not a crash', () => {
    const s = newSession();
    assert.match(errorOf(s, { kind: 'script', script: '('.repeat(100_000) }), /nested too deeply/);
    assert.match(errorOf(s, { kind: 'script', script: '-'.repeat(100_000) + '1' }), /nested too deeply/);
    assert.match(errorOf(s, { kind: 'script', script: '1..100000000' }), /range/);
    // A NUL inside a string cannot go on the wire: the reply becomes an error instead of corrupt bytes.
    const answer = send(s, { kind: 'script', script: '"a\0b"' });
    assert.match(Buffer.concat(s.encode(answer, 'API2')).toString('latin1'), /^\d+ 0 1\nThe result cannot be serialized/);
  });

  test('canned tables and rpc to the controller alias', () => {
    const s = newSession();
    const t = value(s, 'table(1..3 as id, `tom`bob`tony as name, 1.5 2.25 3.0 as price)');
    assert.equal(t?.form, 'table');
    const perf = value(s, 'rpc(getControllerAlias(), getClusterPerf)');
    assert.ok(perf?.form === 'table');
    const types = Object.fromEntries(perf.columns.map((c) => [c.name, c.data.type]));
    assert.deepEqual(
      [types['host'], types['port'], types['mode'], types['connectionNum'], types['maxConnections'], types['memoryUsed'], types['maxMemSize'], types['avgLoad']],
      ['STRING', 'INT', 'INT', 'INT', 'INT', 'LONG', 'DOUBLE', 'DOUBLE'],
    );
    assert.deepEqual(value(s, 'rpc(getControllerAlias(), getClusterLiveDataNodes{false})'), ddbVector('STRING', ['127.0.0.1:8848']));
    assert.equal(value(s, 'select * from trades')?.form, 'table');
  });
});

describe('functions and login', () => {
  test('the functions clients call on their own answer as the notes say', () => {
    const s = newSession();
    const call = (name: string, args: DdbObject[] = []): SessionAnswer => send(s, { kind: 'function', name, args });
    assert.deepEqual(call('version').reply, { kind: 'ok', object: ddbString('3.00.2 2024.09.20 LINUX x86_64') });
    assert.deepEqual(call('isNodeInitialized').reply, { kind: 'ok', object: ddbBool(true) });
    assert.deepEqual(call('isClientAuth').reply, { kind: 'ok', object: ddbBool(false) });
    assert.deepEqual(call('scramClientFirst', [ddbString('admin')]).reply, { kind: 'error', message: "Can't recognize function name scramClientFirst" });
    assert.deepEqual(call('invoke', [ddbString('add'), ddbString('[1,2]')]).reply, { kind: 'ok', object: ddbInt(3) });
    assert.deepEqual(call('add', [ddbInt(3), ddbInt(4)]).reply, { kind: 'ok', object: ddbInt(7) });
    assert.deepEqual(call('login', [ddbString('admin'), ddbString('123456'), ddbBool(false)]).reply, { kind: 'ok', object: undefined });
    assert.equal(s.user, 'admin');
    assert.deepEqual(call('login', [ddbString('admin'), ddbString('nope')]).reply, { kind: 'error', message: WRONG_PASSWORD });
  });

  test('getPerf reports the load knobs as DOUBLE or ANY values', () => {
    const knobs = new NodeKnobs({ load: { cpuUsage: 77, connectionNum: 5 } });
    const s = newSession(facts(knobs));
    const perf = value(s, 'getPerf()');
    assert.ok(perf?.form === 'dict' && perf.values.type === 'DOUBLE');
    const at = perf.keys.values.indexOf('cpuUsage');
    assert.equal(perf.values.values[at], 77);
    assert.equal(perf.values.values[perf.keys.values.indexOf('connectionNum')], 5);
    knobs.setPerfValues('any');
    knobs.setLoad({ connectionNum: 'live' });
    const anyPerf = value(s, 'getPerf()');
    assert.ok(anyPerf?.form === 'dict' && anyPerf.values.type === 'ANY');
    assert.deepEqual(anyPerf.values.values[anyPerf.keys.values.indexOf('connectionNum')], ddbScalar('DOUBLE', 3));
  });

  test('readPerfDict reads getPerf replies after a wire round trip, DOUBLE or ANY, skipping NULLs', () => {
    for (const form of ['double', 'any'] as const) {
      const knobs = new NodeKnobs({ load: { avgLoad: 0.25, queuedJobs: 3 }, perfValues: form });
      const perf = value(newSession(facts(knobs)), 'getPerf()');
      const decoded = decodeObject(encodeObject(perf ?? ddbInt(0)));
      const figures = readPerfDict(decoded.kind === 'ok' ? decoded.value : undefined);
      assert.equal(figures?.get('avgLoad'), 0.25, form);
      assert.equal(figures?.get('queuedJobs'), 3, form);
      assert.equal(figures?.get('connectionNum'), 3, form);
    }
    const withNull = ddbDict(ddbVector('STRING', ['a', 'b']), ddbAnyVector([ddbScalar('DOUBLE', DDB_NULL.f64), ddbLong(7n)]));
    assert.deepEqual(readPerfDict(withNull), new Map([['b', 7]]));
    assert.equal(readPerfDict(ddbInt(1)), undefined);
  });

  test('connect with an embedded login answers BOOL true, or the wrong-password text', () => {
    const s = newSession();
    assert.deepEqual(send(s, { kind: 'connect' }).reply, { kind: 'ok', object: undefined });
    assert.deepEqual(send(s, { kind: 'connect', login: { user: 'admin', password: '123456' } }).reply, { kind: 'ok', object: ddbBool(true) });
    assert.equal(errorOf(s, { kind: 'connect', login: { user: 'admin', password: 'x' } }), 'The user name or password is incorrect.');
  });

  test('with client authentication, scripts need a login first', () => {
    const s = newSession(facts(new NodeKnobs(), true));
    assert.equal(errorOf(s, { kind: 'script', script: '1+1' }), LOGIN_REQUIRED);
    assert.deepEqual(send(s, { kind: 'function', name: 'version', args: [] }).reply.kind, 'ok');
    send(s, { kind: 'function', name: 'login', args: [ddbString('admin'), ddbString('123456')] });
    assert.deepEqual(value(s, '1+1'), ddbInt(2));
  });

  test('a request naming an unknown session id starts a new session', () => {
    const s = newSession();
    send(s, { kind: 'connect' });
    const first = s.sid;
    assert.match(first, /^[1-9]\d+$/);
    value(s, 'x = 1');
    const answer = s.run({ api: 'API2', sessionId: '12345', flags: 0, body: { kind: 'script', script: 'x' } });
    assert.notEqual(s.sid, first);
    assert.equal(answer.reply.kind, 'error');
  });
});
