// The per-request path of `option httplog` allocates nothing (issue 13, log cost): a keep-alive transaction's record
// keeping (core/log/http-session-log.ts: the request line kept as bytes, captures, sizes, times, the dontlognull
// question asked at the close without decoding the request line) and its line written
// as bytes (CompiledLogLine.write: %r from those bytes, %tsc in two parts) leave V8's young generation as it was,
// measured by tests/support/allocation-probe.ts. The bytes are still build()'s string. Test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, validConfig } from '../support/config-load.js';
import { measureAllocation } from '../support/allocation-probe.js';
import { HeadView } from '../../core/http1/head-view.js';
import { parseRequest, parseResponse } from '../../core/http1/head-parse.js';
import { HEAD_LIMITS } from '../../core/forward/l7-limits.js';
import { captureResponse, clientSentNothing, closeTransaction, openTransaction } from '../../core/log/http-session-log.js';
import { LogRecord } from '../../core/log/log-record.js';
import { frontendLines } from '../../core/log/traffic-lines.js';
import type { LineProgram, TrafficLog } from '../../core/log/traffic-log.js';

test('a logged keep-alive transaction allocates nothing: record keeping and the httplog line written as bytes', async () => {
  const config = validConfig(await load(`
defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
frontend f
    bind 127.0.0.1:1
    log 127.0.0.1:514 local2
    option httplog
    default_backend b
backend b
    server s1 127.0.0.1:2
`));
  const out = Buffer.alloc(4096);
  let end = 0;
  let lines = 0;
  // The TrafficLog a forwarder has, writing where its ring would be: the line program is what is measured.
  const log: TrafficLog = {
    enabled: true,
    logsFrontend: () => true,
    emit: () => undefined,
    emitRecord(_frontend, _level, line: LineProgram, rec: LogRecord) {
      end = line.write(rec, out, 0, out.length);
      lines++;
    },
  };
  const line = frontendLines(config, log, undefined)[0];
  assert.ok(line !== undefined);
  const request = new HeadView();
  const reqBytes = Buffer.from('GET /a/b?c=%22d HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\n', 'latin1');
  assert.ok(parseRequest(reqBytes, 0, reqBytes.length, request, HEAD_LIMITS) > 0);
  const response = new HeadView();
  const resBytes = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', 'latin1');
  assert.ok(parseResponse(resBytes, 0, resBytes.length, response, HEAD_LIMITS) > 0);
  const rec = line.newRecord();
  rec.http = true;
  rec.clientAddress = '127.0.0.1';
  rec.clientPort = 40000;
  // The same moments for every transaction: a clock moving on would cross seconds, and each new second's date text
  // is made once (core/log/line-bytes.ts), which is not per request.
  const now = 1;
  const transaction = (): void => {
    openTransaction(line, rec, request, reqBytes.length, now, 0);
    rec.status = 200;
    captureResponse(line, rec, response, 0, now + 1);
    // The session's dontlognull question, asked at every close (l7-session-state.ts logClose).
    closeTransaction(line, rec, now, now, now, undefined, 0, 0, 1, now + 2, clientSentNothing(rec, true, reqBytes.length));
  };
  transaction();
  const text = out.toString('utf8', 0, end);
  assert.match(text, / f b\/s1 0\/0\/0\/1\/2 200 \d+ - - ---- .* "GET \/a\/b\?c=%22d HTTP\/1\.1"$/, text);
  // The record's own text (build()) says the same as the bytes.
  assert.equal(rec.requestLine, 'GET /a/b?c=%22d HTTP/1.1');
  const report = await measureAllocation((n) => {
    for (let i = 0; i < n; i++) transaction();
  });
  assert.ok(lines > 200_000);
  assert.equal(report.collections, 0, `a transaction allocated: ${report.grown} bytes, ${report.collections} collections`);
  assert.ok(report.grown < 64 * 1024, `young generation grew ${report.grown} bytes`);
});

test('a request line longer than 1024 bytes is kept cut to 1024 (tune.http.logurilen), a <BADREQ> after it has none', () => {
  const rec = new LogRecord();
  rec.requestLine = `GET /${'x'.repeat(2000)} HTTP/1.1`;
  assert.equal(rec.requestLine.length, 1024);
  assert.equal(rec.requestLineLength, 1024);
  rec.nextTransaction(1, 1, 1);
  assert.equal(rec.hasRequestLine, false);
  assert.equal(rec.requestLine, undefined);
});
