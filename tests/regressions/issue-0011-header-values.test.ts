// Issue 11, header values are log-format strings: orcalb checked only that each `%[` had its `]`, so a value with an
// expression its engine does not expand (`%[req.hdr(host)]`, `%[src,ipmask(24)]`) started and reached the server as
// the literal text `%[req.hdr(host)]`, and one haproxy refuses (`%[nosuch]`, `%Z`, `%[src,foo]`) was accepted. Now a
// value is parsed as haproxy parses it: what haproxy refuses is refused with its words, and what haproxy accepts but
// orcalb's header engine cannot evaluate yet is refused by the fail-closed rule, never sent as written. Side by side
// with the real haproxy: on each accepted value, the backend gets the same header from both.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, rendered } from '../support/config-load.js';
import { freeTcpPort, runHaproxyCli } from '../support/haproxy-process.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT } from '../support/lb-subject.js';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function config(port: number, backendPort: number, value: string): string {
  return [
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    `  http-request set-header X-V ${value}`,
    '  default_backend be',
    'backend be',
    `  server s 127.0.0.1:${backendPort}`,
    '',
  ].join('\n');
}

/** haproxy -c's exit status for `text`. */
async function haproxyCheck(text: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'orcalb-i11-'));
  try {
    await writeFile(join(dir, 'h.cfg'), text);
    return (await runHaproxyCli(['-c', '-f', join(dir, 'h.cfg')])).code;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a header value haproxy refuses is refused by orcalb, with the text haproxy prints', async () => {
  const cases: readonly (readonly [string, string])[] = [
    ['%[nosuch]', "failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'"],
    ['%[src,foo]', "failed to parse sample expression <src,foo]> : unknown converter 'foo'."],
    ['%Z', "no such format variable 'Z'"],
    ['%[req.hdr(a,b,c)]', "failed to parse 'b' as type 'integer' at position 2"],
    ['%[src,ipmask(33)]', "failed to parse '33' as type 'IPv4 mask' at position 1"],
  ];
  for (const [value, text] of cases) {
    const cfg = config(18000, 18001, value);
    assert.equal(await haproxyCheck(cfg), 1, `haproxy -c accepts ${value}`);
    const errors = rendered(await load(cfg)).errors;
    assert.ok(errors.some((e) => e.includes(text)), `${value}: ${errors.join(' | ')}`);
  }
});

test('a value haproxy accepts is either refused by orcalb or reaches the backend as haproxy sends it, never as written', async (t) => {
  const farm = await startTaggedHttpFarm(['be']);
  t.after(() => farm.close());
  const values = ['%[req.hdr(host)]', '%[src,ipmask(24)]', '%[path,field(2,/)]', '"%[src]-%[dst_port]x"', 'plain', '%ci'];
  for (const value of values) {
    const seen: string[] = [];
    for (const subject of [HAPROXY_SUBJECT, ORCALB_SUBJECT]) {
      const port = await freeTcpPort();
      const text = config(port, farm.byName('be').port, value);
      if (subject === ORCALB_SUBJECT) {
        const refused = rendered(await load(text)).errors.some((e) => e.includes('refusing to start rather than serve without it'));
        if (refused) {
          seen.push('(refused)');
          continue;
        }
      }
      const lb = await subject.start(text, port);
      try {
        const c = await RawHttpConnection.open(port);
        c.write(`GET /a/b HTTP/1.1\r\nHost: example.com\r\n\r\n`);
        await c.response(5000).finally(() => c.destroy());
        const head = farm.byName('be').headLog.at(-1) ?? '';
        // The port of the frontend differs between the two; compare what does not depend on it.
        seen.push((/^x-v: (.*)$/im.exec(head)?.[1] ?? '(absent)').replace(String(port), '<port>'));
      } finally {
        await lb.stop();
      }
    }
    const [haproxy, orcalb] = seen;
    assert.ok(orcalb === '(refused)' || orcalb === haproxy, `${value}: haproxy sent ${haproxy}, orcalb ${orcalb}`);
    assert.ok(orcalb === '(refused)' || !orcalb?.includes('%['), `${value}: orcalb sent the format as written`);
  }
});
