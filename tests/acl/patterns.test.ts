// The pattern tables behind -f files and maps: IP networks in per-prefix sorted tables (most specific first, HAProxy's
// cross-family rules), string sets hashed or bucketed by length, integer ranges. Each is checked against a brute-force
// scan over seeded random inputs, at the sizes a real -f file has (100 000 networks, 20 000 strings).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IntRanges, parseIntPattern } from '../../core/acl/match-int.js';
import { IpTable, parseIpPattern, readIPv4Loose, type IpNet } from '../../core/acl/match-ip.js';
import { StringPatterns, type StringMethod } from '../../core/acl/match-string.js';
import { prng } from '../support/prng.js';
import { ACL, testAcls, testContext, testEnv } from '../support/acl-context.js';
import { AclScope } from '../../core/acl/condition.js';

function net(text: string): IpNet {
  const n = parseIpPattern(text);
  assert.ok(typeof n !== 'string', `${text}: ${String(n)}`);
  return n;
}

function v4(word: number): Uint8Array {
  return Uint8Array.of(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
}

describe('IP patterns', () => {
  test('inet_aton forms, masks and refusals', () => {
    assert.equal(readIPv4Loose('127.1'), 0x7f000001);
    assert.equal(readIPv4Loose('10.12'), 0x0a00000c);
    assert.equal(readIPv4Loose('192.168.1'), 0xc0a80001);
    assert.equal(readIPv4Loose('0x7f.1'), 0x7f000001);
    assert.equal(readIPv4Loose('1.2.3.256'), -1);
    assert.deepEqual([...net('10.1.2.3/255.255.0.0').words, net('10.1.2.3/255.255.0.0').prefix], [0x0a010000, 16]);
    assert.equal(net('2001:db8::1/32').prefix, 32);
    for (const bad of ['10.0.0.300', 'foo.example', '10.0.0.0/33', '10.0.0.0/255.0.255.0', '2001:db8::/129', 'fe80::1%eth0']) {
      assert.equal(typeof parseIpPattern(bad), 'string', bad);
    }
  });

  test('the most specific network answers; duplicates keep the first entry', () => {
    const t = new IpTable();
    ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.0.0/16', '0.0.0.0/0'].forEach((n, i) => t.add(net(n), i));
    t.freeze();
    assert.equal(t.lookup(v4(0x0a010203), 4), 2);
    assert.equal(t.lookup(v4(0x0a010303), 4), 1);
    assert.equal(t.lookup(v4(0x0a090909), 4), 0);
    assert.equal(t.lookup(v4(0x0b000001), 4), 4);
  });

  test("HAProxy's cross-family rules: mapped, compatible and 6to4 IPv6 samples meet IPv4 patterns and the reverse", () => {
    const t = new IpTable();
    t.add(net('192.0.2.0/24'), 0);
    t.add(net('2001:db8::/32'), 1);
    t.freeze();
    const six = (text: string): Uint8Array => {
      const n = net(text);
      const b = new Uint8Array(16);
      n.words.forEach((w, i) => b.set(v4(w), i * 4));
      return b;
    };
    assert.equal(t.lookup(six('::ffff:192.0.2.7'), 6), 0);
    assert.equal(t.lookup(six('::192.0.2.7'), 6), 0);
    assert.equal(t.lookup(six('2002:c000:0207::'), 6), 0);
    assert.equal(t.lookup(six('2001:db8:1::'), 6), 1);
    assert.equal(t.lookup(six('2001:db9::'), 6), -1);
    const mappedOnly = new IpTable();
    mappedOnly.add(net('::ffff:198.51.100.0/120'), 0);
    mappedOnly.freeze();
    assert.equal(mappedOnly.lookup(v4(0xc6336409), 4), 0);
  });

  test('a table of 100 000 networks answers as a brute-force scan does', () => {
    const rand = prng(11);
    const nets: IpNet[] = [];
    const t = new IpTable();
    for (let i = 0; i < 100_000; i++) {
      const prefix = 8 + Math.floor(rand() * 25);
      const n = net(`${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}/${prefix}`);
      nets.push(n);
      t.add(n, i);
    }
    t.freeze();
    const contains = (n: IpNet, w: number): boolean => n.prefix === 0 || (w >>> (32 - n.prefix)) === ((n.words[0] ?? 0) >>> (32 - n.prefix));
    for (let k = 0; k < 300; k++) {
      // Half the probes inside a known network, half anywhere.
      const base = nets[Math.floor(rand() * nets.length)]?.words[0] ?? 0;
      const w = k % 2 === 0 ? (base | Math.floor(rand() * 255)) >>> 0 : Math.floor(rand() * 2 ** 32);
      let best = -1;
      let bestPrefix = -1;
      nets.forEach((n, i) => {
        if (contains(n, w) && (n.prefix > bestPrefix || (n.prefix === bestPrefix && (n.words[0] ?? 0) === (nets[best]?.words[0] ?? -1) && i < best))) {
          best = i;
          bestPrefix = n.prefix;
        }
      });
      const got = t.lookup(v4(w), 4);
      assert.equal(got >= 0 ? nets[got]?.prefix : -1, bestPrefix, `probe ${w.toString(16)}`);
    }
  });
});

describe('string patterns', () => {
  const methods: readonly StringMethod[] = ['str', 'beg', 'end', 'sub', 'dir', 'dom'];
  test('20 000 patterns per method agree with a brute-force scan (hashed and bucketed lookups)', () => {
    const rand = prng(5);
    const alphabet = 'abc/.:';
    const word = (n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (const method of methods) {
      const count = method === 'sub' || method === 'dir' || method === 'dom' ? 300 : 20_000;
      const texts = Array.from({ length: count }, () => word(1 + Math.floor(rand() * 6)));
      const folds = texts.map(() => rand() < 0.3);
      const patterns = texts.map((t, index) => ({ bytes: Buffer.from(t), fold: folds[index] ?? false, index }));
      const set = new StringPatterns(method, patterns);
      for (let k = 0; k < 400; k++) {
        const sample = word(Math.floor(rand() * 10)).replace(/a/g, () => (rand() < 0.2 ? 'A' : 'a'));
        const b = Buffer.from(sample);
        const expected = texts.findIndex((p, i) => brute(method, sample, p, folds[i] ?? false));
        assert.equal(set.find(b, 0, b.length), expected, `${method} ${sample}`);
        assert.equal(set.test(b, 0, b.length), expected >= 0);
      }
    }
  });

  /** The manual's definitions, literally. */
  function brute(method: StringMethod, sample: string, pattern: string, fold: boolean): boolean {
    const s = fold ? sample.toLowerCase() : sample;
    const p = fold ? pattern.toLowerCase() : pattern;
    switch (method) {
      case 'str':
      case 'bin':
        return s === p;
      case 'beg':
        return s.startsWith(p);
      case 'end':
        return s.endsWith(p);
      case 'sub':
        return s.includes(p);
      case 'dir':
      case 'dom': {
        const delims = method === 'dir' ? '/' : './:?';
        let q = p;
        while (q !== '' && delims.includes(q[0] ?? '')) q = q.slice(1);
        while (q !== '' && delims.includes(q[q.length - 1] ?? '')) q = q.slice(0, -1);
        if (q === '') return false;
        for (let at = s.indexOf(q); at >= 0; at = s.indexOf(q, at + 1)) {
          const before = at === 0 || delims.includes(s[at - 1] ?? '');
          const after = at + q.length === s.length || delims.includes(s[at + q.length] ?? '');
          if (before && after) return true;
        }
        return false;
      }
    }
  }

  test('the dir and dom examples of §7.1.3, as haproxy 2.6.12 matches them', () => {
    const url = testContext({ request: 'GET /images/png/logo/32x32.png HTTP/1.1\r\n\r\n' });
    const scope = (line: string): number => {
      const acl = new AclScope(testAcls([`t ${line}`]), testEnv()).get('t');
      assert.ok(!('error' in acl));
      return acl.evaluate(url);
    };
    for (const p of ['/images', '/images/png', 'images/png', '/png/logo', 'logo/32x32.png', '32x32.png']) assert.equal(scope(`path_dir ${p}`), ACL.PASS, p);
    assert.equal(scope('path_dir 32x32'), ACL.FAIL);
    // The manual says `png` does not match; haproxy 2.6.12 matches it (a whole slash-delimited part): measured.
    assert.equal(scope('path_dir png'), ACL.PASS);
    // The manual's URL has :80, which HAProxy 2.6 (and orcalb's parser) drops from an http:// target: :8080 here.
    const host = testContext({ request: 'GET http://www1.dc-eu.example.com:8080/blah HTTP/1.1\r\nHost: www1.dc-eu.example.com:8080\r\n\r\n' });
    const dom = (p: string): number => {
      const acl = new AclScope(testAcls([`t url_dom ${p}`]), testEnv()).get('t');
      assert.ok(!('error' in acl));
      return acl.evaluate(host);
    };
    for (const p of ['http', 'www1', '.www1', 'dc-eu', 'example', 'com', '8080', 'dc-eu.example', 'blah', ':www1:']) {
      assert.equal(dom(p), ACL.PASS, p);
    }
    // The manual lists `dc-eu.example:80` as matching; haproxy 2.6.12 does not match it (measured): parts are contiguous.
    for (const p of ['eu', 'dc', 'dc-eu.example:8080']) assert.equal(dom(p), ACL.FAIL, p);
  });
});

describe('integer patterns', () => {
  test('values, open ranges and operators', () => {
    const r = (texts: readonly [string, 'eq' | 'ge' | 'gt' | 'le' | 'lt' | undefined][]): IntRanges =>
      new IntRanges(texts.map(([t, op]) => {
        const x = parseIntPattern(t, op);
        assert.ok(typeof x !== 'string');
        return x;
      }));
    const a = r([['5', undefined], ['1024:', undefined], [':-3', undefined]]);
    assert.deepEqual([4, 5, 6, 1023, 1024, 99999, -3, -2].map((v) => a.has(v)), [false, true, false, false, true, true, true, false]);
    assert.deepEqual([r([['5', 'gt']]).has(5), r([['5', 'ge']]).has(5), r([['5', 'lt']]).has(5), r([['5', 'le']]).has(5)], [false, true, false, true]);
    assert.equal(parseIntPattern('5x', undefined), "'5x' is not a number");
    assert.equal(parseIntPattern('a:5', undefined), "'a:5' is not a number");
  });
});
