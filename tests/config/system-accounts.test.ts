// user/group → uid/gid from passwd- and group-format files, and the edit distance behind "did you mean".

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { editDistance, suggestKeyword } from '../../config/keyword-suggestion.js';
import { lookupGroupId, lookupUserId } from '../../config/system-accounts.js';
import { load, tempConfigDir, validConfig } from '../support/config-load.js';

describe('system accounts', () => {
  test('reads the third field of the matching passwd and group lines', async (t) => {
    const dir = await tempConfigDir(t, {
      passwd: '# comment\nroot:x:0:0:root:/root:/bin/bash\n+nis::::::\nlb:x:1234:99::/nonexistent:/usr/sbin/nologin\n',
      group: 'root:x:0:\nlbgroup:x:4321:lb\n',
    });
    assert.equal(lookupUserId('lb', join(dir, 'passwd')), 1234);
    assert.equal(lookupUserId('root', join(dir, 'passwd')), 0);
    assert.equal(lookupUserId('nis', join(dir, 'passwd')), undefined);
    assert.equal(lookupUserId('nobody-here', join(dir, 'passwd')), undefined);
    assert.equal(lookupGroupId('lbgroup', join(dir, 'group')), 4321);
    assert.equal(lookupGroupId('lb', join(dir, 'missing-file')), undefined);
  });

  test("the global section resolves the system's root user and group", async () => {
    const c = validConfig(await load('global\n  user root\n  group root'));
    assert.deepEqual([c.global.user, c.global.uid, c.global.group, c.global.gid], ['root', 0, 'root', 0]);
  });
});

describe('keyword suggestions', () => {
  test('edit distance counts an adjacent swap as one edit', () => {
    assert.equal(editDistance('balanse', 'balance'), 1);
    assert.equal(editDistance('optoin', 'option'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });

  test('suggests only plausible typos', () => {
    const words = ['balance', 'bind', 'server', 'check', 'mode'];
    assert.equal(suggestKeyword('balanse', words), 'balance');
    assert.equal(suggestKeyword('sever', words), 'server');
    assert.equal(suggestKeyword('chek', words), 'check');
    assert.equal(suggestKeyword('mod', words), 'mode');
    assert.equal(suggestKeyword('fooo', words), undefined);
    assert.equal(suggestKeyword('xyzzyplugh', words), undefined);
  });
});
