// Issue 12, the stats page's request view (core/stats/html-view.ts): `;st=` codes as haproxy 2.6.12 reads them, the
// scope filters (`stats scope` names, `scope=` text) and the Refresh header in place of a meta tag.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inStatsScope, parseActionStatus, refreshHeader } from '../../core/stats/html-view.js';

test(';st= takes the seven codes; any other text is UNKN (haproxy shows "Unexpected result."), none is no message', () => {
  for (const code of ['DONE', 'PART', 'NONE', 'DENY', 'ERRP', 'EXCD', 'UNKN']) assert.equal(parseActionStatus(code), code);
  assert.equal(parseActionStatus('BOGUS'), 'UNKN');
  assert.equal(parseActionStatus('done'), 'UNKN');
  assert.equal(parseActionStatus('constructor'), 'UNKN');
  assert.equal(parseActionStatus(''), undefined);
});

test('scope= is a case-insensitive substring; stats scope names are exact and apply first', () => {
  assert.ok(inStatsScope('Backend-A', { scope: 'enD-a' }));
  assert.ok(!inStatsScope('fe', { scope: 'be' }));
  assert.ok(inStatsScope('fe', { scope: '' }));
  assert.ok(!inStatsScope('be2', { scope: 'be', allowedProxies: ['be'] }));
  assert.ok(inStatsScope('be', { scope: 'b', allowedProxies: ['be'] }));
  assert.ok(!inStatsScope('be', { scope: '', allowedProxies: [] }));
});

test('the page refreshes through a Refresh header only when stats refresh is set and ;norefresh is absent', () => {
  assert.equal(refreshHeader({ refreshSeconds: 5, noRefresh: false }), '5');
  assert.equal(refreshHeader({ refreshSeconds: 5, noRefresh: true }), undefined);
  assert.equal(refreshHeader({ refreshSeconds: 0, noRefresh: false }), undefined);
});
