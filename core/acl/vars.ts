// HAProxy's variables (manual §2.8, §7.3.1 `var()`, §4.2 `set-var`/`set-var-fmt`/`unset-var`): typed values named
// `<scope>.<name>`, kept per connection (`sess`), per transaction (`txn`), for the request or the response (`req`,
// `res`). `proc` is process-wide in HAProxy and orcalb's forwarders are threads with their own memory, so it is
// refused at load; `check` belongs to health checks and is never set by traffic rules. Forwarder threads: a set
// copies the value (one small allocation, only when a rule sets a variable); a read allocates nothing.

import { SMP, type Sample, type SmpType } from './sample.js';

/** The scopes a traffic rule may use, and the text of HAProxy's name error. */
export const VAR_SCOPES = ['proc', 'sess', 'txn', 'req', 'res', 'check'] as const;
export type VarScope = (typeof VAR_SCOPES)[number];

/**
 * A parsed variable name, or HAProxy 2.6.12's error text. `tail`: what followed the name where it was written (the
 * `)` of `set-var(txn.x)`), which HAProxy quotes after a bad character.
 */
export function parseVarName(text: string, tail = ''): { readonly scope: VarScope; readonly name: string } | { readonly error: string } {
  const dot = text.indexOf('.');
  const scope = VAR_SCOPES.find((s) => s === text.slice(0, dot));
  if (dot < 0 || scope === undefined || dot === text.length - 1) {
    return { error: `invalid variable name '${text}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'` };
  }
  const bad = /[^A-Za-z0-9._]/.exec(text.slice(dot + 1));
  if (bad !== null) return { error: `invalid syntax at char '${text.slice(dot + 1 + bad.index)}${tail}'` };
  return { scope, name: text.slice(dot + 1) };
}

/** One stored value: its type and its bytes or number (a copy: the sample's buffer is reused). */
interface StoredVar {
  type: SmpType;
  int: number;
  bytes: Buffer;
  readonly ip: Uint8Array;
}

const EMPTY = Buffer.alloc(0);

/** The variables of one connection. */
export class VarStore {
  // Created on the first set: a connection whose rules set no variable pays nothing.
  private sess: Map<string, StoredVar> | undefined;
  private txn: Map<string, StoredVar> | undefined;
  private reqres: Map<string, StoredVar> | undefined;

  private scope(scope: VarScope, create = false): Map<string, StoredVar> | undefined {
    if (scope === 'sess') return create ? (this.sess ??= new Map()) : this.sess;
    if (scope === 'txn') return create ? (this.txn ??= new Map()) : this.txn;
    if (scope === 'req' || scope === 'res') return create ? (this.reqres ??= new Map()) : this.reqres;
    return undefined;
  }

  /** Stores a copy of `s` (cast beforehand as the caller wants). `check`/`proc`: nothing. */
  set(scope: VarScope, name: string, s: Sample): void {
    const map = this.scope(scope, true);
    if (map === undefined) return;
    const key = scope === 'res' || scope === 'req' ? `${scope}.${name}` : name;
    let v = map.get(key);
    if (v === undefined) {
      v = { type: SMP.BOOL, int: 0, bytes: EMPTY, ip: new Uint8Array(16) };
      map.set(key, v);
    }
    v.type = s.type;
    v.int = s.int;
    v.ip.set(s.ip);
    v.bytes = s.type === SMP.STR || s.type === SMP.BIN ? Buffer.from(s.buf.subarray(s.start, s.end)) : EMPTY;
  }

  /** Stores a string (set-var-fmt). */
  setText(scope: VarScope, name: string, text: string, scratch: Sample): void {
    const bytes = Buffer.from(text, 'latin1');
    scratch.setStr(bytes, 0, bytes.length);
    this.set(scope, name, scratch);
  }

  unset(scope: VarScope, name: string): void {
    this.scope(scope)?.delete(scope === 'res' || scope === 'req' ? `${scope}.${name}` : name);
  }

  /** Fills `out` with the variable; false when it is not set. */
  get(scope: VarScope, name: string, out: Sample): boolean {
    const v = this.scope(scope)?.get(scope === 'res' || scope === 'req' ? `${scope}.${name}` : name);
    if (v === undefined) return false;
    out.type = v.type;
    out.int = v.int;
    out.ip.set(v.ip);
    out.buf = v.bytes;
    out.start = 0;
    out.end = v.bytes.length;
    return true;
  }

  /** The transaction ended (txn, req and res variables go; sess ones stay with the connection). */
  endTransaction(): void {
    if (this.txn !== undefined && this.txn.size > 0) this.txn.clear();
    if (this.reqres !== undefined && this.reqres.size > 0) this.reqres.clear();
  }
}
