// The hot-path promise of the HTTP rule program: a request through the common rules — set-header and add-header with
// fixed values, del-header, conditions on path/host/src, a deny that does not apply — allocates nothing (the session
// begins one HeadEdit per request; run() only marks fields and appends to grown arrays). Measured by V8 itself
// (tests/support/allocation-probe.ts); a value built from expressions allocates its string, and only that.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEAD_LIMITS } from '../../../core/forward/l7-limits.js';
import { HeadEdit } from '../../../core/http1/head-edit.js';
import { parseRequest } from '../../../core/http1/head-parse.js';
import { RULE, RuleAnswer } from '../../../core/forward/http-rules/rule-set.js';
import { measureAllocation } from '../../support/allocation-probe.js';
import { testContext } from '../../support/acl-context.js';
import { loadRuleProgram } from '../../support/http-rule-program.js';

const CONFIG = [
  'defaults', '  mode http', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s',
  'frontend fe', '  bind 127.0.0.1:1',
  '  acl api path_beg /api /v1',
  '  acl internal src 10.0.0.0/8',
  '  http-request deny if !internal { path_beg /admin }',
  '  http-request del-header X-Internal-Token',
  '  http-request set-header X-Forwarded-Proto http',
  '  http-request add-header X-Api yes if api { hdr(host) -i example.com }',
  '  http-request set-header X-Never 1 if { method DELETE }',
  '  default_backend be',
  'backend be', '  server s 127.0.0.1:2', '',
].join('\n');

test('the common set/add/del-header rules and conditions run without allocating', async () => {
  const program = await loadRuleProgram(CONFIG);
  const set = program.rules.frontend(0).request;
  const request = Buffer.from('GET /api/items HTTP/1.1\r\nHost: Example.com\r\nX-Internal-Token: secret\r\nX-Forwarded-Proto: https\r\n\r\n', 'latin1');
  const ctx = testContext({ request: request.toString('latin1'), src: '192.168.1.10' });
  const head = ctx.head;
  assert.ok(head !== undefined);
  const edit = new HeadEdit();
  const answer = new RuleAnswer();
  let verdicts = 0;
  // Each request is parsed into the same HeadView, as a session does: the rules rewrite it (fetches see the edits).
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      parseRequest(request, 0, request.length, head, HEAD_LIMITS);
      edit.begin(head);
      verdicts += set.run(ctx, edit, answer);
    }
  };
  // The result is the one HAProxy gives (the corpus measures these actions), then the measurement.
  parseRequest(request, 0, request.length, head, HEAD_LIMITS);
  edit.begin(head);
  assert.equal(set.run(ctx, edit, answer), RULE.CONTINUE);
  assert.equal(
    edit.toBuffer().toString('latin1'),
    'GET /api/items HTTP/1.1\r\nhost: Example.com\r\nx-forwarded-proto: http\r\nx-api: yes\r\n\r\n',
  );
  const { collections, grown } = await measureAllocation(run);
  assert.equal(verdicts, 0);
  assert.equal(collections, 0, `${collections} collections during 200 000 requests`);
  assert.ok(grown < 64 * 1024, `the young generation grew by ${grown} bytes over 200 000 requests`);
});

test('a deny that applies fills the answer from buffers built at start (no allocation either)', async () => {
  const program = await loadRuleProgram(CONFIG);
  const set = program.rules.frontend(0).request;
  const ctx = testContext({ request: 'GET /admin HTTP/1.1\r\nHost: h\r\n\r\n', src: '192.168.1.10' });
  const head = ctx.head;
  assert.ok(head !== undefined);
  const edit = new HeadEdit();
  const answer = new RuleAnswer();
  let denied = 0;
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      edit.begin(head);
      if (set.run(ctx, edit, answer) === RULE.ANSWER) denied++;
    }
  };
  const { collections, grown } = await measureAllocation(run);
  assert.equal(answer.status, 403);
  assert.ok(denied > 0);
  assert.equal(collections, 0);
  assert.ok(grown < 64 * 1024, `grew by ${grown} bytes`);
});
