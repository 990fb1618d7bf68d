// The not-implemented verdicts are a contract: README's "Not implemented yet" table lists exactly the groups of
// config/not-implemented.ts (keywords, verdict, why, in order), and every keyword HAProxy 2.6 has that orcalb's
// parsers know but do not implement is judged by an entry of it, none by the fail-closed default.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BIND_OPTIONS } from '../../config/keywords/bind.js';
import { REQUEST_ACTIONS, RESPONSE_ACTIONS } from '../../config/keywords/http-rules.js';
import { OPTIONS } from '../../config/keywords/option.js';
import { PROXY_KEYWORDS } from '../../config/keywords/proxy-keywords.js';
import { KNOWN_OPTIONS } from '../../config/keywords/server.js';
import { NOT_IMPLEMENTED, notImplementedVerdict } from '../../config/not-implemented.js';
import { GLOBAL_KEYWORDS } from '../../config/sections/global.js';
import { TIMEOUTS, load, rendered } from '../support/config-load.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('README lists exactly the groups of config/not-implemented.ts, with the same verdict and reason', () => {
  const block = /<!-- not-implemented:start[^>]*-->([\s\S]*?)<!-- not-implemented:end -->/.exec(readme)?.[1] ?? '';
  const rows = [...block.matchAll(/^\| (`.+?) \| (refused|warned) \| (.+?) \|$/gm)].map((m) => [
    [...(m[1] ?? '').matchAll(/`([^`]+)`/g)].map((k) => k[1]),
    m[2],
    m[3],
  ]);
  assert.deepEqual(rows, NOT_IMPLEMENTED.map((e) => [e.keywords, e.verdict, e.why]));
});

test('no key appears in two groups, and a key no group names is refused', () => {
  const keys = NOT_IMPLEMENTED.flatMap((e) => e.keywords);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
  assert.deepEqual(notImplementedVerdict('bind ... frobnicate'), {
    verdict: 'refused',
    why: 'no one has judged yet whether it is safe to run without it',
    classified: false,
  });
  // A wildcard covers what it starts; the longest one wins.
  assert.equal(notImplementedVerdict('global tune.ssl.lifetime').why, notImplementedVerdict('global ssl-engine').why);
  assert.equal(notImplementedVerdict('http-request sc-inc-gpc0').verdict, 'refused');
  assert.equal(notImplementedVerdict('stick in mode tcp').verdict, 'warned');
});

/** Lines that make each parser meet each of its known keywords; their messages must never be the default one. */
function probeLines(): { section: string; line: string }[] {
  const lines: { section: string; line: string }[] = [];
  for (const k of GLOBAL_KEYWORDS) lines.push({ section: 'global', line: `${k} x` });
  for (const [k, caps] of Object.entries(PROXY_KEYWORDS)) {
    // A filter's verdict depends on its name: each one of a 2.6 build instead of `x`.
    if (k === 'filter') continue;
    lines.push({ section: caps[2] === 'X' ? 'backend b' : 'frontend f', line: `${k} x` });
  }
  for (const f of ['cache', 'compression', 'fcgi-app', 'opentracing', 'spoe', 'trace']) lines.push({ section: 'listen l', line: `filter ${f}` });
  for (const k of Object.keys(OPTIONS)) lines.push({ section: 'listen l', line: `option ${k}` });
  for (const [k, arity] of Object.entries(BIND_OPTIONS)) lines.push({ section: 'frontend f', line: `bind :1 ${k}${' x'.repeat(arity)}` });
  for (const [k, arity] of Object.entries(KNOWN_OPTIONS)) lines.push({ section: 'backend b', line: `server s 127.0.0.1:1 ${k}${' x'.repeat(arity)}` });
  // A `(*)` action takes an argument in parentheses, except track-sc<n>.
  const action = (a: string): string => a.replace('track-sc(*)', 'track-sc0').replace('(*)', '(x)');
  for (const a of REQUEST_ACTIONS) lines.push({ section: 'listen l', line: `http-request ${action(a)} x` });
  for (const a of RESPONSE_ACTIONS) lines.push({ section: 'listen l', line: `http-response ${action(a)} x` });
  for (const s of ['userlist', 'peers', 'mailers', 'resolvers', 'program', 'http-errors', 'ring', 'log-forward', 'cache', 'fcgi-app']) {
    lines.push({ section: `${s} x`, line: '' });
  }
  return lines;
}

describe('every known keyword orcalb does not implement has a verdict', () => {
  test('none of them falls to the fail-closed default', async () => {
    const unjudged: string[] = [];
    for (const { section, line } of probeLines()) {
      const r = await load(`${section}\n  ${line}\n${section.startsWith('global') ? '' : TIMEOUTS}`, 't.cfg', {
        lookup: () => Promise.resolve('127.0.0.1'),
      });
      const { errors } = rendered(r);
      if (errors.some((e) => e.includes('no one has judged yet'))) unjudged.push(`${section}: ${line}`);
    }
    assert.deepEqual(unjudged, []);
  });
});
