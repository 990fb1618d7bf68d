// The TLS session-id cache every forwarder shares (manual §3.2 `tune.ssl.cachesize`; HAProxy's shared session cache):
// a TLS 1.2 client that resumes by session id (a bind with `no-tls-tickets`, or a client without ticket support, as
// older Java and DolphinDB API clients) resumes on whichever forwarder takes its next connection. Node keeps no
// server-side session store of its own; its 'newSession' / 'resumeSession' events hand the sessions to this one.
//
// One SharedArrayBuffer made by main at start (`tune.ssl.cachesize` entries of ENTRY_BYTES; untouched pages cost no
// memory), handed to every forwarder, a restarted one too. Direct-mapped: a session goes to the entry its bind and id
// hash to, replacing what was there (a cache: a lost session costs one full handshake). Each entry carries a sequence
// number, odd while a writer fills it: a writer takes it with a compare-and-swap (a second writer gives up instead of
// interleaving), and a reader keeps what it copied only if the number did not move meanwhile. Forwarder threads.

/** Bytes per entry: the header, the key, then the session (DER, as OpenSSL serializes it). */
export const SESSION_ENTRY_BYTES = 1024;
/** Header ints: sequence, id length, session length, bind tag. */
const SEQ = 0;
const ID_LEN = 1;
const DATA_LEN = 2;
const TAG = 3;
const ID_OFFSET = 16;
/** Session ids are at most 32 bytes (TLS); the rest of the key area is spare. */
const ID_MAX = 32;
const DATA_OFFSET = 64;
/** The largest session kept: a session with a large client certificate in it is not cached (full handshake next). */
export const SESSION_DATA_MAX = SESSION_ENTRY_BYTES - DATA_OFFSET;

/** The cache's memory for `entries` sessions (`tune.ssl.cachesize`), or undefined when 0 turns the cache off. */
export function sessionCacheMemory(entries: number): SharedArrayBuffer | undefined {
  return entries > 0 ? new SharedArrayBuffer(entries * SESSION_ENTRY_BYTES) : undefined;
}

export class SessionCache {
  private readonly bytes: Uint8Array;
  private readonly ints: Int32Array;
  private readonly entries: number;

  constructor(memory: SharedArrayBuffer) {
    this.bytes = new Uint8Array(memory);
    this.ints = new Int32Array(memory);
    this.entries = Math.floor(memory.byteLength / SESSION_ENTRY_BYTES);
  }

  /**
   * Keeps `session` under (`tag`, `id`); false when it was not kept (too large, an empty or overlong id, or another
   * thread writing the same entry right now).
   */
  store(tag: number, id: Uint8Array, session: Uint8Array): boolean {
    if (id.length === 0 || id.length > ID_MAX || session.length > SESSION_DATA_MAX || this.entries === 0) return false;
    const base = this.entryOf(tag, id) * SESSION_ENTRY_BYTES;
    const at = base >> 2;
    const seq = Atomics.load(this.ints, at + SEQ);
    if ((seq & 1) !== 0 || Atomics.compareExchange(this.ints, at + SEQ, seq, seq + 1) !== seq) return false;
    this.ints[at + ID_LEN] = id.length;
    this.ints[at + DATA_LEN] = session.length;
    this.ints[at + TAG] = tag;
    this.bytes.set(id, base + ID_OFFSET);
    this.bytes.set(session, base + DATA_OFFSET);
    Atomics.store(this.ints, at + SEQ, seq + 2);
    return true;
  }

  /** A copy of the session kept under (`tag`, `id`), or undefined (never kept, replaced, or being written). */
  lookup(tag: number, id: Uint8Array): Buffer | undefined {
    if (id.length === 0 || id.length > ID_MAX || this.entries === 0) return undefined;
    const base = this.entryOf(tag, id) * SESSION_ENTRY_BYTES;
    const at = base >> 2;
    const seq = Atomics.load(this.ints, at + SEQ);
    if (seq === 0 || (seq & 1) !== 0) return undefined;
    if (this.ints[at + TAG] !== tag || this.ints[at + ID_LEN] !== id.length) return undefined;
    for (let i = 0; i < id.length; i++) if (this.bytes[base + ID_OFFSET + i] !== id[i]) return undefined;
    const length = Math.min(this.ints[at + DATA_LEN] ?? 0, SESSION_DATA_MAX);
    const copy = Buffer.from(this.bytes.subarray(base + DATA_OFFSET, base + DATA_OFFSET + length));
    // A writer came in between: what was copied may be half old, half new.
    return Atomics.load(this.ints, at + SEQ) === seq ? copy : undefined;
  }

  /** FNV-1a over the tag and the id, to an entry. */
  private entryOf(tag: number, id: Uint8Array): number {
    let h = 0x811c9dc5 ^ tag;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ (id[i] ?? 0), 0x01000193);
    return (h >>> 0) % this.entries;
  }
}

/** sessionProtocol's answer for a TLS 1.2 session (the only ones the cache keeps). */
export const TLS12_SESSION = 0x0303;

/**
 * The protocol of a serialized session (OpenSSL's DER: SEQUENCE { INTEGER 1, INTEGER version, … }): 0x0303 for
 * TLS 1.2, 0x0304 for TLS 1.3; -1 when it cannot be read. Node hands TLS 1.3 sessions to 'newSession' too, but they
 * resume from their tickets and are never asked for by id, so they are not stored.
 */
export function sessionProtocol(der: Uint8Array): number {
  if (der[0] !== 0x30) return -1;
  const lengthByte = der[1] ?? 0;
  const header = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  // INTEGER 1 (the format's version), then INTEGER of two bytes (the protocol).
  if (der[header] !== 0x02 || der[header + 1] !== 0x01 || der[header + 3] !== 0x02 || der[header + 4] !== 0x02) return -1;
  return ((der[header + 5] ?? 0) << 8) | (der[header + 6] ?? 0);
}
