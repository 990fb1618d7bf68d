// Tokenizer: HAProxy 2.6 quoting, escaping, comments and environment variables (manual §2.2, §2.3).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type TokenizeContext, tokenizeLine } from '../../config/tokenize.js';

const ctx: TokenizeContext = { env: { HOST: '10.1.2.3', LIST: 'a b  c', EMPTY: '' }, file: 'x.cfg', line: 7, section: 'fe' };

function words(line: string, c: TokenizeContext = ctx): string[] {
  const r = tokenizeLine(new TextEncoder().encode(line), c);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.words.map((w) => w.text);
}

function failure(line: string): { message: string; column: number } {
  const r = tokenizeLine(new TextEncoder().encode(line), ctx);
  assert.ok(!r.ok, 'expected a tokenizer error');
  return { message: r.message, column: r.column };
}

describe('tokenizeLine', () => {
  test('splits on spaces and tabs and ignores indentation', () => {
    assert.deepEqual(words('  server\tnode1   10.0.0.80:8802  check '), ['server', 'node1', '10.0.0.80:8802', 'check']);
  });

  test('an unprotected # starts a comment, even glued to a word', () => {
    assert.deepEqual(words('global#this is the global section'), ['global']);
    assert.deepEqual(words('    maxconn 4000 # comment'), ['maxconn', '4000']);
    assert.deepEqual(words('# only a comment'), []);
  });

  test('UTF-8 comments right after values are dropped and UTF-8 words survive intact', () => {
    assert.deepEqual(words('    log         127.0.0.1 local2 #定义全局的 syslog 服务器，最多可以定义两个。'), [
      'log',
      '127.0.0.1',
      'local2',
    ]);
    assert.deepEqual(words('global                           #定义全局配置'), ['global']);
    assert.deepEqual(words('description 数据库节点'), ['description', '数据库节点']);
  });

  test('double quotes protect spaces, # and single quotes, and allow backslash escapes', () => {
    assert.deepEqual(words('x "a b#c" "it\'s" "say \\"hi\\""'), ['x', 'a b#c', "it's", 'say "hi"']);
  });

  test('single quotes protect everything, backslashes included', () => {
    assert.deepEqual(words("x 'a \\n \"b\" $HOST #c'"), ['x', 'a \\n "b" $HOST #c']);
  });

  test('quoted and unquoted parts of one word are concatenated', () => {
    assert.deepEqual(words('log-format "%{+Q}o %t"\' %s\'\\ %{-Q}r'), ['log-format', '%{+Q}o %t %s %{-Q}r']);
  });

  test('an empty quoted string is an (empty) word', () => {
    assert.deepEqual(words('x "" y'), ['x', '', 'y']);
  });

  test('backslash escapes outside quotes: space, #, quotes, backslash, \\n \\r \\t', () => {
    assert.deepEqual(words('x a\\ b \\#c \\"d\\\' e\\\\f'), ['x', 'a b', '#c', '"d\'', 'e\\f']);
    assert.deepEqual(words('x \\n\\r\\t'), ['x', '\n\r\t']);
  });

  test('an unknown escape keeps its backslash, as HAProxy does', () => {
    assert.deepEqual(words('x t\\cp "\\q"'), ['x', 't\\cp', '\\q']);
  });

  test('\\xHH yields the exact byte, even one that is not valid UTF-8 on its own', () => {
    const r = tokenizeLine(new TextEncoder().encode('send \\x00\\xff\\x41'), ctx);
    assert.ok(r.ok);
    assert.deepEqual([...(r.words[1]?.bytes ?? [])], [0x00, 0xff, 0x41]);
  });

  test('a truncated \\x sequence is an error at the backslash position (1-based)', () => {
    assert.deepEqual(failure('  description a\\x4g'), {
      message: 'truncated or invalid hexadecimal sequence at position 16',
      column: 16,
    });
  });

  test('an unmatched quote is an error at the quote position', () => {
    assert.deepEqual(failure('  mode "tcp'), { message: 'unmatched quote at position 8', column: 8 });
    assert.deepEqual(failure("  mode 'tcp"), { message: 'unmatched quote at position 8', column: 8 });
  });

  test('environment variables expand inside double quotes only', () => {
    assert.deepEqual(words('x "${HOST}:80" "$HOST" ${HOST} \'$HOST\''), ['x', '10.1.2.3:80', '10.1.2.3', '${HOST}', '$HOST']);
  });

  test('an unset variable expands to nothing, or to its default after a dash', () => {
    assert.deepEqual(words('x "${NOPE}" "${NOPE-127.0.0.1}:514" "${EMPTY-dflt}"'), ['x', '', '127.0.0.1:514', '']);
  });

  test('${VAR[*]} spreads a space-separated list over several words', () => {
    assert.deepEqual(words('x "${LIST[*]}" y'), ['x', 'a', 'b', 'c', 'y']);
  });

  test('pseudo-variables .FILE, .LINE and .SECTION', () => {
    assert.deepEqual(words('x "${.FILE}" "${.LINE}" "${.SECTION}"'), ['x', 'x.cfg', '7', 'fe']);
  });

  test('a $ not followed by a name is an error, as in HAProxy', () => {
    assert.deepEqual(failure('  mode "$" tcp'), {
      message: 'forbidden first char in environment variable name at position 10',
      column: 10,
    });
  });
});
