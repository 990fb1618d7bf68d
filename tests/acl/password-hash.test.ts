// userlist `password <hash>` checks (core/acl/password-hash.ts) against glibc's crypt(3): the vectors below were made
// with `openssl passwd -1|-5|-6 -salt …` and Python's crypt.crypt on this machine (Debian 12), covering default and
// custom rounds, salts cut at 8/16 characters, empty, non-ASCII and 200-byte passwords; and the schemes orcalb
// cannot check (bcrypt, yescrypt, DES) never match rather than being accepted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptHash, hashScheme, passwordMatches } from '../../core/acl/password-hash.js';

const VECTORS: readonly (readonly [password: string, hash: string])[] = [
  ['Hello world!', '$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1'],
  ['Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
  ['Hello world!', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
  ['Hello world!', '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
  ['p@ss w0rd ünï', '$6$rounds=1234$abc$D2a6PX/iHcEDwiIhhAqlM/BWkSCx0Avq3BYdvRdwkDevcH1v6tLHxUWF15lkwh4U0Xu0uJwVA1OYRK8UY2Jeo0'],
  ['', '$1$abc$Or2rbeUYTvt12aiVzMuS/.'],
  ['x'.repeat(200), '$6$long$RTZRAtTLWgpadPx5OeOFsuzafa7m3kN6Wg1my.cQOn3qjpHNj9LywSoA.kJYKMP.BhjKdF5OZsCM58Vsx983f/'],
  ['secret', '$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.'],
  ['secret', '$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.'],
];

test('crypt(3) hashes of glibc are reproduced byte for byte', () => {
  for (const [password, hash] of VECTORS) {
    const salt = hash.slice(0, hash.lastIndexOf('$'));
    assert.equal(cryptHash(password, salt), hash, hash);
    assert.equal(passwordMatches(password, hash), true, hash);
    assert.equal(passwordMatches(`${password}x`, hash), false, hash);
  }
});

test('schemes orcalb cannot check never match', () => {
  for (const hash of ['$2y$10$abcdefghijklmnopqrstuu5GVpLDYhF8z5n2XXVsPfDEmJ1WrZUHW', '$y$j9T$abc$def', 'abJnggxhB/yWI', '']) {
    assert.equal(hashScheme(hash), undefined, hash);
    assert.equal(passwordMatches('secret', hash), false, hash);
  }
});
