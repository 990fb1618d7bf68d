// `.if/.elif/.else/.endif` blocks and `.warning/.alert` directives (manual §2.4).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TIMEOUTS, backendNamed, load, rendered, validConfig } from '../support/config-load.js';

/** Loads a backend whose `retries` line is chosen by the block; returns the retries value. */
async function chosenRetries(block: string, env: Record<string, string> = {}): Promise<number> {
  const c = validConfig(await load(`backend b\n${TIMEOUTS}\n${block}`, 't.cfg', { env }));
  return backendNamed(c, 'b').retries;
}

describe('conditional blocks', () => {
  test('0 and 1, .elif and .else pick exactly one branch', async () => {
    const block = (cond1: string, cond2: string): string =>
      `.if ${cond1}\n  retries 1\n.elif ${cond2}\n  retries 2\n.else\n  retries 9\n.endif`;
    assert.equal(await chosenRetries(block('1', '1')), 1);
    assert.equal(await chosenRetries(block('0', '1')), 2);
    assert.equal(await chosenRetries(block('0', '0')), 9);
  });

  test('defined(), streq() on expanded variables, !, && and ||', async () => {
    const env = { SITE: 'prod' };
    assert.equal(await chosenRetries('.if defined(SITE)\n  retries 4\n.endif', env), 4);
    assert.equal(await chosenRetries('.if !defined(NOPE) && streq("$SITE",prod)\n  retries 5\n.endif', env), 5);
    assert.equal(await chosenRetries('.if defined(NOPE) || strneq("$SITE",prod)\n  retries 5\n.endif', env), 3);
    assert.equal(await chosenRetries('.if (0 || 1) && !(0)\n  retries 6\n.endif'), 6);
  });

  test('version_atleast() and feature() as orcalb (2.6 language, no optional features)', async () => {
    assert.equal(await chosenRetries('.if version_atleast(2.4-dev19)\n  retries 7\n.endif'), 7);
    assert.equal(await chosenRetries('.if version_before(2.6)\n  retries 7\n.endif'), 3);
    assert.equal(await chosenRetries('.if feature(OPENSSL)\n  retries 7\n.endif'), 3);
  });

  test('nested blocks inside a false branch stay off, whatever their condition', async () => {
    assert.equal(await chosenRetries('.if 0\n.if 1\n  retries 8\n.endif\n.else\n  retries 2\n.endif'), 2);
  });

  test('lines in a false branch are not parsed, so their errors do not count', async () => {
    validConfig(await load('.if 0\n  this is not configuration\n.endif'));
  });

  test('.warning warns, .alert is an error, both only when active', async () => {
    const r = await load('.warning "check me"\n.if 0\n.alert "never"\n.endif\n.alert "stop here"');
    assert.deepEqual(rendered(r), { errors: ['[t.cfg:5] : stop here'], warnings: ['[t.cfg:1] : check me'] });
  });

  test('unbalanced directives are errors', async () => {
    const r = await load('.endif\n.if 1\n');
    assert.deepEqual(rendered(r).errors, [
      "[t.cfg:1] : '.endif' appears without a matching '.if'.",
      "[t.cfg:2] : missing '.endif' for the '.if' opened at this line.",
    ]);
  });
});
