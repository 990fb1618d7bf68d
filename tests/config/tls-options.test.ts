// The shared TLS option reader (config/keywords/tls-options.ts): HAProxy 2.6's version-range rules (default
// TLSv1.2–TLSv1.3, ssl-min-ver/ssl-max-ver, force-*, no-* with their hole and "ignored" cases), verify per side,
// alpn, ca-base, and global defaults copied into a line's draft. Pure functions; test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyTlsSetting, finishTlsSettings, newTlsDraft, type TlsDraft } from '../../config/keywords/tls-options.js';

function draftOf(words: ReadonlyArray<readonly [string, string?]>, side: 'bind' | 'server' = 'bind', from?: TlsDraft): TlsDraft {
  const d = newTlsDraft(from);
  for (const [option, value] of words) assert.equal(applyTlsSetting(d, option, value ?? '', side, { caBase: '/etc/ca' }), undefined);
  return d;
}

test('no version words: HAProxy 2.6 serves TLSv1.2 to TLSv1.3', () => {
  const f = finishTlsSettings(newTlsDraft());
  assert.deepEqual([f.settings?.minVersion, f.settings?.maxVersion, f.notes], ['TLSv1.2', 'TLSv1.3', []]);
});

test('ssl-min-ver / ssl-max-ver set the range; force-* pins one version', () => {
  const r = finishTlsSettings(draftOf([['ssl-min-ver', 'TLSv1.1'], ['ssl-max-ver', 'TLSv1.2']])).settings;
  assert.deepEqual([r?.minVersion, r?.maxVersion], ['TLSv1.1', 'TLSv1.2']);
  const f = finishTlsSettings(draftOf([['force-tlsv13']])).settings;
  assert.deepEqual([f?.minVersion, f?.maxVersion], ['TLSv1.3', 'TLSv1.3']);
});

test('no-* shape the range without min/max; a hole drops what is above it; next to min/max they are ignored', () => {
  assert.equal(finishTlsSettings(draftOf([['no-tlsv12']])).settings?.minVersion, 'TLSv1.3');
  const top = finishTlsSettings(draftOf([['no-tlsv13']]));
  assert.deepEqual([top.settings?.minVersion, top.settings?.maxVersion, top.notes], ['TLSv1.2', 'TLSv1.2', []]);
  const hole = finishTlsSettings(draftOf([['no-tlsv12'], ['ssl-min-ver', 'TLSv1.0']]));
  assert.deepEqual(hole.notes, [{ kind: 'no-ignored' }]);
  assert.equal(hole.settings?.minVersion, 'TLSv1.0');
  const all = finishTlsSettings(draftOf([['no-tlsv12'], ['no-tlsv13']]));
  assert.equal(all.settings, undefined);
  assert.deepEqual(all.notes, [{ kind: 'all-disabled' }]);
});

test('SSLv3 cannot be served by Node: a range starting there starts at TLSv1.0, SSLv3 alone is an error', () => {
  const from = finishTlsSettings(draftOf([['ssl-min-ver', 'SSLv3']]));
  assert.deepEqual([from.settings?.minVersion, from.notes], ['TLSv1.0', [{ kind: 'sslv3-dropped' }]]);
  assert.deepEqual(finishTlsSettings(draftOf([['force-sslv3']])).notes, [{ kind: 'sslv3-only' }]);
});

test('bad values are refused with the word named; verify optional exists only on bind lines', () => {
  const d = newTlsDraft();
  assert.match(applyTlsSetting(d, 'ssl-min-ver', 'TLSv1.4', 'bind') ?? '', /'TLSv1.4' : unknown ssl\/tls version/);
  assert.match(applyTlsSetting(d, 'alpn', 'h2,,http/1.1', 'bind') ?? '', /invalid protocol list/);
  assert.equal(applyTlsSetting(d, 'verify', 'optional', 'bind'), undefined);
  assert.match(applyTlsSetting(d, 'verify', 'optional', 'server') ?? '', /unknown verify method 'optional'/);
  assert.equal(applyTlsSetting(d, 'crt', 'x.pem', 'bind'), 'not a TLS setting');
});

test('ca-base applies to relative ca-file/crl-file; a line overrides the global default it copies', () => {
  const global = draftOf([['ciphers', 'ECDHE+AESGCM'], ['no-tls-tickets'], ['ssl-min-ver', 'TLSv1.3']]);
  const line = finishTlsSettings(draftOf([['ca-file', 'clients.pem'], ['crl-file', '/abs/crl.pem'], ['ssl-min-ver', 'TLSv1.2'], ['alpn', 'h2,http/1.1']], 'bind', global)).settings;
  assert.equal(line?.caFile, '/etc/ca/clients.pem');
  assert.equal(line?.crlFile, '/abs/crl.pem');
  assert.equal(line?.ciphers, 'ECDHE+AESGCM');
  assert.equal(line?.noTlsTickets, true);
  assert.equal(line?.minVersion, 'TLSv1.2');
  assert.deepEqual(line?.alpn, ['h2', 'http/1.1']);
  assert.equal(global.min, 'TLSv1.3', 'the global draft is not changed by the line');
});
