// http-request/http-response set-header, add-header, del-header applied in order, the supported sample fetches,
// and the TRUE/FALSE conditions (HAProxy 2.6 §4.3); plus HAProxy's error pages and errorfile overrides.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HeaderRule, HttpRules } from '../../config/model.js';
import { applyHeaderRules, expandValue } from '../../core/forward/header-rules.js';
import { earlyErrorBytes, errorReply } from '../../core/forward/http-errors.js';
import { HAPROXY_400, HAPROXY_408, HAPROXY_422, HAPROXY_503 } from '../support/http-error-pages.js';

const at = { file: 't.cfg', line: 1 };

function rule(action: HeaderRule['action'], name: string, value?: string, condition?: HeaderRule['condition']): HeaderRule {
  return {
    source: at,
    action,
    name,
    ...(value === undefined ? {} : { value }),
    ...(condition === undefined ? {} : { condition }),
  };
}

describe('header rules', () => {
  const headers = [
    { name: 'Host', value: 'x' },
    { name: 'X-A', value: '1' },
    { name: 'x-a', value: '2' },
  ];

  test('set-header replaces every field of that name (any case) with one, at the end', () => {
    assert.deepEqual(applyHeaderRules([rule('set-header', 'X-A', 'v')], headers, {}), [
      { name: 'Host', value: 'x' },
      { name: 'X-A', value: 'v' },
    ]);
  });

  test('add-header appends, del-header removes all, in rule order', () => {
    const out = applyHeaderRules([rule('add-header', 'X-B', 'b'), rule('del-header', 'x-a'), rule('add-header', 'X-A', 'n')], headers, {});
    assert.deepEqual(out, [
      { name: 'Host', value: 'x' },
      { name: 'X-B', value: 'b' },
      { name: 'X-A', value: 'n' },
    ]);
    // The input list is not modified.
    assert.equal(headers.length, 3);
  });

  test('%[src], %[dst], %[src_port], %[dst_port], %ci, %fp and %% expand; unknown fetches stay', () => {
    const ctx = { src: '10.0.0.1', srcPort: 5555, dst: '127.0.0.1', dstPort: 80 };
    assert.equal(expandValue('%[src]:%[src_port] -> %[dst]:%[dst_port]', ctx), '10.0.0.1:5555 -> 127.0.0.1:80');
    assert.equal(expandValue('%ci/%fp 100%%', ctx), '10.0.0.1/80 100%');
    assert.equal(expandValue('%[req.hdr(host)]', ctx), '%[req.hdr(host)]');
  });

  test('conditions: TRUE applies, FALSE and unless TRUE do not, an unknown ACL skips the rule', () => {
    const out = applyHeaderRules(
      [
        rule('add-header', 'X-1', 'y', { negate: false, text: 'TRUE' }),
        rule('add-header', 'X-2', 'y', { negate: false, text: 'FALSE' }),
        rule('add-header', 'X-3', 'y', { negate: true, text: 'TRUE' }),
        rule('add-header', 'X-4', 'y', { negate: false, text: '{ path_beg /api }' }),
      ],
      [],
      {},
    );
    assert.deepEqual(out.map((h) => h.name), ['X-1']);
  });
});

describe('error pages', () => {
  test('400, 408 and 422 are HAProxy 2.6 bytes; 503 is built as a message (lower-case names)', () => {
    assert.equal(earlyErrorBytes(400, []).toString('latin1'), HAPROXY_400);
    assert.equal(earlyErrorBytes(408, []).toString('latin1'), HAPROXY_408);
    assert.equal(earlyErrorBytes(422, []).toString('latin1'), HAPROXY_422);
    const r = errorReply(503, []);
    assert.ok('head' in r);
    const text = `HTTP/1.1 ${r.head.status} ${r.head.reason}\r\n${r.head.headers.map((h) => `${h.name}: ${h.value}\r\n`).join('')}\r\n${r.body.toString('latin1')}`;
    assert.equal(text, HAPROXY_503);
  });

  test('an errorfile overrides: backend rules first, then frontend; an unparsable file is sent raw', () => {
    const be: HttpRules = { request: [], response: [], errorfiles: { 503: 'HTTP/1.1 503 Busy\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy' } };
    const fe: HttpRules = { request: [], response: [], errorfiles: { 503: 'junk', 408: 'HTTP/1.0 408 Slow\r\n\r\n' } };
    const r = errorReply(503, [be, fe]);
    assert.ok('head' in r);
    assert.equal(r.head.reason, 'Busy');
    assert.deepEqual(r.head.headers, [{ name: 'Content-Length', value: '4' }]);
    assert.equal(r.body.toString(), 'busy');
    assert.deepEqual(errorReply(503, [undefined, fe]), { raw: Buffer.from('junk') });
    assert.equal(earlyErrorBytes(408, [undefined, fe]).toString(), 'HTTP/1.0 408 Slow\r\n\r\n');
  });
});
