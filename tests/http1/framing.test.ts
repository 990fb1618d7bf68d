// Unit tests for body framing (core/http1/framing.ts): RFC 9112 §6.3 for requests and
// responses, with the HAProxy 2.6 answers to conflicting or invalid Content-Length and Transfer-Encoding.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestFraming, responseFraming, type BodyFraming } from '../../core/http1/framing.js';
import type { HeaderField } from '../../core/http1/header-list.js';

function fields(...pairs: [string, string][]): HeaderField[] {
  return pairs.map(([name, value]) => ({ name, value }));
}

const req = (...pairs: [string, string][]): BodyFraming => requestFraming({ headers: fields(...pairs) });
const res = (status: number, method: string, ...pairs: [string, string][]): BodyFraming =>
  responseFraming({ status, headers: fields(...pairs) }, method);

describe('requestFraming', () => {
  test('a request without Content-Length or Transfer-Encoding has no body', () => {
    assert.deepEqual(req(['Host', 'a']), { kind: 'none' });
  });

  test('Content-Length gives a length; 0 means no body; equal repeats are one length', () => {
    assert.deepEqual(req(['Content-Length', '42']), { kind: 'length', length: 42 });
    assert.deepEqual(req(['Content-Length', '0']), { kind: 'none' });
    assert.deepEqual(req(['content-length', '007'], ['Content-Length', '7, 7']), { kind: 'length', length: 7 });
  });

  test('refuses invalid or conflicting Content-Length values with 400', () => {
    for (const v of ['', '-1', '+1', '0x10', '1 0', '5,', '5, 6', '18446744073709551616', 'abc']) {
      const f = req(['Content-Length', v]);
      assert.ok(f.kind === 'error' && f.status === 400, `${JSON.stringify(v)} → ${JSON.stringify(f)}`);
    }
    const two = req(['Content-Length', '1'], ['Content-Length', '2']);
    assert.ok(two.kind === 'error' && two.status === 400);
  });

  test('accepts the largest 64-bit Content-Length as HAProxy does', () => {
    assert.equal(req(['Content-Length', '18446744073709551615']).kind, 'length');
  });

  test('chunked as the final coding wins over Content-Length', () => {
    assert.deepEqual(req(['Transfer-Encoding', 'chunked']), { kind: 'chunked' });
    assert.deepEqual(req(['Transfer-Encoding', 'CHUNKED'], ['Content-Length', '3']), { kind: 'chunked' });
    assert.deepEqual(req(['Transfer-Encoding', 'chunked,']), { kind: 'chunked' });
  });

  test('refuses a Transfer-Encoding that HAProxy refuses, with its status', () => {
    const cases: [string[], number][] = [
      [['gzip'], 400],
      [['identity'], 400],
      [[''], 400],
      [['chunked, gzip'], 400],
      [['chunked, chunked'], 400],
      [['chunked', 'chunked'], 400],
      [['gzip, chunked'], 422],
      [['gzip', 'chunked'], 422],
      [[',chunked'], 422],
    ];
    for (const [values, status] of cases) {
      const f = req(...values.map((v): [string, string] => ['Transfer-Encoding', v]));
      assert.ok(f.kind === 'error' && f.status === status, `${JSON.stringify(values)} → ${JSON.stringify(f)}`);
    }
  });
});

describe('responseFraming', () => {
  test('HEAD, 1xx, 204, 304 and a 2xx to CONNECT have no body whatever the headers say', () => {
    const cl: [string, string] = ['Content-Length', '10'];
    assert.deepEqual(res(200, 'HEAD', cl), { kind: 'none' });
    assert.deepEqual(res(101, 'GET', cl), { kind: 'none' });
    assert.deepEqual(res(204, 'GET', cl), { kind: 'none' });
    assert.deepEqual(res(304, 'GET', cl), { kind: 'none' });
    assert.deepEqual(res(200, 'CONNECT', cl), { kind: 'none' });
    assert.deepEqual(res(407, 'CONNECT', cl), { kind: 'length', length: 10 });
  });

  test('chunked, then Content-Length, then read until close', () => {
    assert.deepEqual(res(200, 'GET', ['Transfer-Encoding', 'chunked'], ['Content-Length', '9']), { kind: 'chunked' });
    assert.deepEqual(res(200, 'GET', ['Transfer-Encoding', '']), { kind: 'until-close' });
    assert.deepEqual(res(200, 'POST', ['Content-Length', '5']), { kind: 'length', length: 5 });
    assert.deepEqual(res(200, 'GET'), { kind: 'until-close' });
  });

  test('a bad Content-Length or a coding other than chunked in a response is an error (HAProxy answers 502)', () => {
    assert.equal(res(200, 'GET', ['Content-Length', '5'], ['Content-Length', '6']).kind, 'error');
    for (const te of ['gzip', 'gzip, chunked', 'chunked, gzip', 'chunked, chunked']) {
      assert.equal(res(200, 'GET', ['Transfer-Encoding', te]).kind, 'error', te);
    }
  });
});
