// statHeadBytes / statMessageBytes: HAProxy's stats count of a head (its HTX size: each header line less ": " and
// CRLF), read from the head's own bytes only, whatever the buffer holds past it.

import assert from 'node:assert/strict';
import test from 'node:test';
import { statHeadBytes, statMessageBytes } from '../../core/http1/head-bytes.js';

const HEAD = 'GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n';

test('a head at the start of a large scratch buffer counts its own header lines only', () => {
  const scratch = Buffer.alloc(128 * 1024);
  const n = scratch.write(HEAD, 0, 'latin1');
  // Stale bytes after the head, with line feeds, as an earlier, longer message leaves them.
  scratch.write('X-Old: 1\r\nX-Old: 2\r\n\r\n', n, 'latin1');
  // 2 header lines: 4 bytes less each.
  assert.equal(statHeadBytes(scratch, n), n - 8);
  assert.equal(statHeadBytes(Buffer.from(HEAD, 'latin1'), n), n - 8);
});

test('a message orcalb built: head counted as HAProxy does, body bytes as they are', () => {
  const msg = Buffer.from('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\ncache-control: no-cache\r\n\r\nbody', 'latin1');
  assert.equal(statMessageBytes(msg), msg.length - 8);
  assert.equal(statMessageBytes(Buffer.from('no head at all', 'latin1')), 14);
});
