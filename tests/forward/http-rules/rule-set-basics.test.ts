// core/forward/http-rules/rule-set.ts on hand-built rules: the interface the L7 session codes against (deny with
// HAProxy 2.6.12's bytes, set/add/del-header on the outgoing head, conditions, allow stopping the set, the empty set).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConditionSpec, HttpRuleSpec, LogFormatSpec } from '../../../config/model.js';
import { AclScope } from '../../../core/acl/condition.js';
import { HeadEdit } from '../../../core/http1/head-edit.js';
import { HttpRuleSet, RULE, RuleAnswer } from '../../../core/forward/http-rules/rule-set.js';
import { testContext, testEnv } from '../../support/acl-context.js';

const at = { file: 't', line: 1 };
const text = (t: string): LogFormatSpec => ({ text: t, parts: [{ kind: 'text', text: t }] });
const when = (t: string): ConditionSpec => ({ negate: false, text: t });

function compile(rules: HttpRuleSpec[]): HttpRuleSet {
  const env = testEnv();
  const set = HttpRuleSet.compile(rules, env, new AclScope([], env), { stage: 'request', proxyName: 'web', errorRules: [] });
  if ('error' in set) throw new Error(set.error);
  return set;
}

function runOn(set: HttpRuleSet, request: string): { verdict: number; out: string; answer: RuleAnswer } {
  const ctx = testContext({ request });
  const edit = new HeadEdit();
  if (ctx.head === undefined) throw new Error('no head');
  edit.begin(ctx.head);
  const answer = new RuleAnswer();
  const verdict = set.run(ctx, edit, answer);
  return { verdict, out: edit.toBuffer().toString('latin1'), answer };
}

const GET = 'GET /a?b=1 HTTP/1.1\r\nHost: h\r\nX-Old: 1\r\nX-Old: 2\r\n\r\n';

test('no rules: the empty set, which the session skips', () => {
  assert.equal(compile([]).empty, true);
  assert.equal(HttpRuleSet.EMPTY.empty, true);
});

test('deny answers 403 with HAProxy 2.6.12 bytes; the connection mode adds Connection', () => {
  const set = compile([{ source: at, action: 'deny', reply: { status: 403, headers: [], kind: 'default' } }]);
  const r = runOn(set, GET);
  assert.equal(r.verdict, RULE.ANSWER);
  assert.equal(r.answer.status, 403);
  assert.equal(
    r.answer.toBytes('1.1', false).toString('latin1'),
    'HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
      '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n',
  );
  assert.match(r.answer.toBytes('1.0', true).toString('latin1'), /content-type: text\/html\r\nconnection: close\r\n\r\n<html>/);
});

test('set-header replaces every field of the name, add-header appends, del-header drops', () => {
  const set = compile([
    { source: at, action: 'set-header', name: 'X-Old', value: text('new') },
    { source: at, action: 'add-header', name: 'X-Add', value: text('a') },
    { source: at, action: 'del-header', name: 'host', method: 'str' },
  ]);
  const r = runOn(set, GET);
  assert.equal(r.verdict, RULE.CONTINUE);
  assert.equal(r.out, 'GET /a?b=1 HTTP/1.1\r\nx-old: new\r\nx-add: a\r\n\r\n');
});

test('a rule runs only when its condition holds; allow stops the set', () => {
  const set = compile([
    { source: at, action: 'add-header', name: 'X-Never', value: text('1'), condition: when('FALSE') },
    { source: at, action: 'allow', condition: when('TRUE') },
    { source: at, action: 'deny', reply: { status: 403, headers: [], kind: 'default' } },
  ]);
  const r = runOn(set, GET);
  assert.equal(r.verdict, RULE.ALLOW);
  assert.equal(r.out, GET.replace('Host', 'host').replace(/X-Old/g, 'x-old'));
});
