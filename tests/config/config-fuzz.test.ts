// Hostile configurations: seeded random files built from real keywords, quoting, `${VAR}` forms, escapes, stray
// bytes and huge words. Loading never throws or hangs, a configuration is returned exactly when there is no error,
// every error renders with its line, and `-c` always ends with 0, 1 or 2.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkReport } from '../../config/check-report.js';
import { BIND_OPTIONS } from '../../config/keywords/bind.js';
import { OPTIONS } from '../../config/keywords/option.js';
import { PROXY_KEYWORDS } from '../../config/keywords/proxy-keywords.js';
import { KNOWN_OPTIONS } from '../../config/keywords/server.js';
import { GLOBAL_KEYWORDS } from '../../config/sections/global.js';
import { load } from '../support/config-load.js';
import { prng } from '../support/prng.js';

const SEED = 8008;
const FILES = 2000;

const SECTIONS = ['global', 'defaults', 'frontend f', 'backend b', 'listen l', 'userlist u', 'defaults d', 'backend'];
const WORDS = [
  '127.0.0.1:1', '*:${P}', "'*:$P'", '"${P}"', '${P[*]}', '$', '${', '${}', '\\$P', '"\\x00"', '\\x4', '"', "'", '#',
  'if', 'unless', 'TRUE', 'FALSE', '{', '}', '!', '-1', '+7', '99999999999999999999', '4294967296', '0', '5s', '5x',
  'check', 'ssl', 'crt', 'verify', 'none', 'weight', 'maxconn', 'inter', 'accept-proxy', 'send-proxy', 'src',
  '\uFEFF', '\u00e9', '\0', '\r', '\t', 'x'.repeat(5000), '"${BIG}"',
];

/** A value far longer than any argument list: copying it as call arguments once overflowed the stack. */
const BIG = 'y'.repeat(600_000);

/** Any of the configuration words orcalb's parsers know, or a random byte-ish token. */
function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

function randomLine(r: () => number): string {
  const kind = r();
  if (kind < 0.1) return pick(r, SECTIONS);
  const keyword =
    kind < 0.3 ? pick(r, GLOBAL_KEYWORDS)
    : kind < 0.6 ? pick(r, Object.keys(PROXY_KEYWORDS))
    : kind < 0.7 ? `option ${pick(r, Object.keys(OPTIONS))}`
    : kind < 0.8 ? `bind :1 ${pick(r, Object.keys(BIND_OPTIONS))}`
    : kind < 0.9 ? `server s 127.0.0.1:1 ${pick(r, Object.keys(KNOWN_OPTIONS))}`
    : pick(r, WORDS);
  const n = Math.floor(r() * 6 + (r() < 0.02 ? 70 : 0));
  const words = Array.from({ length: n }, () => (r() < 0.05 ? String.fromCharCode(Math.floor(r() * 256)) : pick(r, WORDS)));
  return `  ${keyword} ${words.join(r() < 0.1 ? '\t' : ' ')}`;
}

test(`${FILES} seeded random configurations load without throwing and get a consistent verdict`, async () => {
  const r = prng(SEED);
  for (let i = 0; i < FILES; i++) {
    const lines = Array.from({ length: 1 + Math.floor(r() * 25) }, () => randomLine(r));
    const text = lines.join(r() < 0.1 ? '\r\n' : '\n');
    const result = await load(text, 'fuzz.cfg', {
      env: { P: r() < 0.5 ? '18000' : '1 2 3', BIG },
      lookup: () => Promise.reject(new Error('ENOTFOUND')),
      resolveTimeoutMs: 50,
    });
    const where = `seed ${SEED}, file ${i}:\n${text.slice(0, 300)}`;
    assert.equal(result.config === undefined, result.errors.length > 0, where);
    for (const e of result.errors) {
      assert.match(e.render(), /^\[fuzz\.cfg:\d+\]/, where);
      assert.ok(e.line >= 0 && e.line <= text.split('\n').length, `${e.render()}: ${where}`);
    }
    assert.ok([0, 1, 2].includes(checkReport(result, 1, 'check').exitCode), where);
    assert.ok([0, 1].includes(checkReport(result, 1, 'start').exitCode), where);
  }
});
