// The Connection header HAProxy 2.6's H1 layer writes towards the server and the client in each mode, and when each
// side stays open (values measured against haproxy 2.6.12 in tests/compat/http-seed.test.ts). Pure functions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cleanConnection,
  clientWantsCloseForRequest,
  clientWantsCloseForResponse,
  connFlags,
  requestConnValue,
  responseConnValue,
  serverReusable,
  serverWantsCloseForRequest,
  withConnection,
} from '../../core/forward/l7-connection-mode.js';

describe('HTTP connection modes', () => {
  test('close and keep-alive tokens are removed; other tokens stay; an emptied header goes', () => {
    assert.deepEqual(cleanConnection([{ name: 'Connection', value: 'keep-alive' }, { name: 'A', value: '1' }]), [{ name: 'A', value: '1' }]);
    assert.deepEqual(cleanConnection([{ name: 'Connection', value: 'Upgrade, close' }]), [{ name: 'Connection', value: 'Upgrade' }]);
  });

  test('towards the server: server-close/httpclose close it, HTTP/1.1 gets close, HTTP/1.0 nothing; keep-alive adds keep-alive to 1.0', () => {
    assert.equal(serverWantsCloseForRequest('server-close', 'server-close'), true);
    assert.equal(serverWantsCloseForRequest('keep-alive', 'close'), true);
    assert.equal(serverWantsCloseForRequest('keep-alive', 'keep-alive'), false);
    assert.equal(requestConnValue(true, '1.1'), 'close');
    assert.equal(requestConnValue(true, '1.0'), undefined);
    assert.equal(requestConnValue(false, '1.1'), undefined);
    assert.equal(requestConnValue(false, '1.0'), 'keep-alive');
  });

  test('towards the client: HTTP/1.0 without keep-alive or close closes; unknown length or httpclose closes', () => {
    assert.equal(clientWantsCloseForRequest(connFlags([]), '1.0'), true);
    assert.equal(clientWantsCloseForRequest(connFlags([{ name: 'connection', value: 'Keep-Alive' }]), '1.0'), false);
    assert.equal(clientWantsCloseForRequest(connFlags([{ name: 'connection', value: 'close' }]), '1.1'), true);
    assert.equal(clientWantsCloseForResponse(false, false, 'keep-alive'), true);
    assert.equal(clientWantsCloseForResponse(false, true, 'close'), true);
    assert.equal(clientWantsCloseForResponse(false, true, 'server-close'), false);
    assert.equal(responseConnValue(true, '1.1', '1.1'), 'close');
    assert.equal(responseConnValue(false, '1.1', '1.0'), 'keep-alive');
    assert.equal(responseConnValue(false, '1.1', '1.1'), undefined);
  });

  test('a server connection is reusable only with a known length, no close, HTTP/1.1 or explicit keep-alive', () => {
    const none = connFlags([]);
    assert.equal(serverReusable(false, none, true, '1.1'), true);
    assert.equal(serverReusable(false, none, false, '1.1'), false);
    assert.equal(serverReusable(false, connFlags([{ name: 'Connection', value: 'close' }]), true, '1.1'), false);
    assert.equal(serverReusable(false, none, true, '1.0'), false);
    assert.equal(serverReusable(true, none, true, '1.1'), false);
  });

  test('the value replaces a remaining Connection header in place, else is appended; upgrade leaves it alone', () => {
    assert.deepEqual(withConnection([{ name: 'connection', value: 'te' }, { name: 'a', value: '1' }], 'close', false), [
      { name: 'connection', value: 'close' },
      { name: 'a', value: '1' },
    ]);
    assert.deepEqual(withConnection([{ name: 'a', value: '1' }], 'close', false), [
      { name: 'a', value: '1' },
      { name: 'connection', value: 'close' },
    ]);
    assert.deepEqual(withConnection([{ name: 'connection', value: 'upgrade' }], 'close', true), [{ name: 'connection', value: 'upgrade' }]);
  });
});
