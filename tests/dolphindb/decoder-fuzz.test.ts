// Fuzzing the DolphinDB decoders with a seeded PRNG: random bytes and mutated valid objects, requests and replies.
// Each case must end in a value, 'incomplete' or a DdbWireError — never another exception, never a hang.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exampleTable, tradesTable } from '../../emulator/canned-tables.js';
import { decodeObject } from '../../core/dolphindb/object-decoder.js';
import { encodeObject } from '../../core/dolphindb/object-encoder.js';
import {
  ddbAnyVector, ddbDict, ddbInt, ddbPair, ddbScalar, ddbSet, ddbString, ddbVector, type DdbObject,
} from '../../core/dolphindb/objects.js';
import { DdbWireError } from '../../core/dolphindb/wire-error.js';
import { ReplyParser, encodeErrorReply, encodeMessageChunk, encodeReply } from '../../core/dolphindb/wire-reply.js';
import { RequestParser, encodeRequest } from '../../core/dolphindb/wire-request.js';
import { prng } from '../support/prng.js';

const CASES = 20_000;
/** A hang guard, not a speed check: a case takes µs, one that runs away blows far past this; a busy machine never does. */
const MAX_CASE_MS = 10_000;

const OBJECTS: DdbObject[] = [
  ddbInt(7), ddbString('hello'), ddbScalar('DOUBLE', 1.5), ddbScalar('LONG', 9n), ddbVector('INT', [1, 2, 3]),
  ddbVector('STRING', ['a', 'bb', '']), ddbPair('DOUBLE', 1, 2), ddbSet('SYMBOL', ['x']),
  ddbDict(ddbVector('STRING', ['k1', 'k2']), ddbVector('DOUBLE', [1, 2])),
  ddbDict(ddbVector('STRING', ['k']), ddbAnyVector([ddbInt(1)])),
  ddbAnyVector([ddbInt(1), ddbAnyVector([ddbString('n')]), exampleTable()]), exampleTable(), tradesTable(),
];

const REQUESTS: Buffer[] = [
  encodeRequest('0', { kind: 'connect', login: { user: 'admin', password: '123456' } }),
  encodeRequest('12', { kind: 'script', script: 'select * from trades' }),
  encodeRequest('12', { kind: 'function', name: 'invoke', args: [ddbString('add'), ddbString('[1,2]')] }),
  encodeRequest('12', { kind: 'variable', names: ['t'], values: [exampleTable()] }),
];

const REPLIES: Buffer[] = [
  Buffer.concat([encodeMessageChunk('printed'), encodeReply('12', tradesTable())]),
  encodeReply('12'), encodeErrorReply('12', 'Syntax Error: [line #1] Cannot recognize the token x'),
];

const EXTREMES = [0x7fffffff, 0xffffffff, 0x80000000, 0, 1, 2, 0x01000000];

function mutate(base: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(base);
  const pick = (n: number): number => Math.floor(rnd() * n);
  switch (pick(5)) {
    case 0: // flip a few bytes
      for (let i = 0, n = 1 + pick(4); i < n && out.length > 0; i++) out[pick(out.length)] = pick(256);
      return out;
    case 1: // truncate
      return out.subarray(0, pick(out.length + 1));
    case 2: { // insert random bytes
      const at = pick(out.length + 1);
      const extra = Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256)));
      return Buffer.concat([out.subarray(0, at), extra, out.subarray(at)]);
    }
    case 3: // overwrite a 32-bit field (row counts, lengths) with an extreme value
      if (out.length >= 4) out.writeUInt32LE(EXTREMES[pick(EXTREMES.length)] ?? 0, pick(out.length - 3));
      return out;
    default: // swap the type and form bytes of the header
      if (out.length >= 2) { const t = out[0] ?? 0; out[0] = out[1] ?? 0; out[1] = t; }
      return out;
  }
}

function randomBytes(rnd: () => number): Buffer {
  return Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
}

/** Runs one decoder call; anything thrown must be the codec's own error. */
function expectCodecOutcome(run: () => void, label: string): void {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DdbWireError, `${label}: threw ${String(error)}`);
  }
}

/** Feeds `bytes` in random chunks and drains every step, bounded: the parsers must make progress or stop. */
function drain(push: (b: Buffer) => void, next: () => { kind: string }, bytes: Buffer, rnd: () => number): void {
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(rnd() * 32);
    push(bytes.subarray(at, at + size));
    at += size;
    for (let i = 0; i < 10_000; i++) {
      const step = next();
      if (step.kind === 'incomplete' || step.kind === 'error') break;
      assert.ok(i < 9_999, 'parser yields results forever');
    }
  }
}

test(`${CASES} random and mutated inputs end in a value, incomplete, or a DdbWireError`, () => {
  const rnd = prng(0xddb5eed);
  let ok = 0;
  let errors = 0;
  for (let n = 0; n < CASES; n++) {
    const kind = n % 4;
    const started = performance.now();
    const label = `case ${n}`;
    if (kind === 0 || kind === 1) {
      const base = OBJECTS[Math.floor(rnd() * OBJECTS.length)] ?? ddbInt(0);
      const bytes = kind === 0 ? randomBytes(rnd) : mutate(encodeObject(base), rnd);
      try {
        const r = decodeObject(bytes, 0, { littleEndian: rnd() < 0.9 });
        if (r.kind === 'ok') {
          ok++;
          assert.ok(r.end <= bytes.length);
          // Whatever decodes must encode again, or be refused by the encoder's own checks.
          expectCodecOutcome(() => encodeObject(r.value), `${label} re-encode`);
        }
      } catch (error) {
        assert.ok(error instanceof DdbWireError, `${label}: threw ${String(error)}`);
        errors++;
      }
    } else if (kind === 2) {
      const base = REQUESTS[Math.floor(rnd() * REQUESTS.length)] ?? Buffer.alloc(0);
      const parser = new RequestParser({ maxRequestBytes: 1 << 20 });
      expectCodecOutcome(() => drain((b) => parser.push(b), () => parser.next(), mutate(base, rnd), rnd), label);
    } else {
      const base = REPLIES[Math.floor(rnd() * REPLIES.length)] ?? Buffer.alloc(0);
      const parser = new ReplyParser();
      expectCodecOutcome(() => drain((b) => parser.push(b), () => parser.next(), mutate(base, rnd), rnd), label);
    }
    assert.ok(performance.now() - started < MAX_CASE_MS, `${label} ran for more than ${MAX_CASE_MS} ms`);
  }
  // The corpus must exercise both outcomes, or the mutations are too weak (or too strong) to mean anything.
  assert.ok(ok > 100, `only ${ok} inputs decoded`);
  assert.ok(errors > 100, `only ${errors} inputs were refused`);
});
