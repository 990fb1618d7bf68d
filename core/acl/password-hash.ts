// Checks a password against a `userlist` `password <hash>` (manual §3.4, which hands the hash to crypt(3)): the
// glibc schemes orcalb implements are SHA-512-crypt `$6$`, SHA-256-crypt `$5$` (Drepper's published algorithm, with
// `rounds=`) and MD5-crypt `$1$`, built on node:crypto's digests. Any other scheme (DES, bcrypt, yescrypt `$y$`) is
// refused when the userlist is loaded, never accepted blindly. Forwarder threads, per request with credentials
// (fetch-auth.ts caches verdicts); the main thread checks hashes at load.

import { createHash, timingSafeEqual } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt's base64: 24 bits as n chars, least significant 6 bits first. */
function b64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

/** The schemes orcalb can check, by their `$id$`. */
export type HashScheme = 'sha512' | 'sha256' | 'md5';

/** The scheme of a crypt hash, or undefined for one orcalb cannot check. */
export function hashScheme(hash: string): HashScheme | undefined {
  if (/^\$6\$/.test(hash)) return 'sha512';
  if (/^\$5\$/.test(hash)) return 'sha256';
  if (/^\$1\$/.test(hash)) return 'md5';
  return undefined;
}

// Byte order of the final SHA-512 digest in its text (the specification's table), 3 bytes per group.
const SHA512_ORDER = [
  0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51, 31, 52, 10, 53, 11, 32,
  12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41,
];
const SHA256_ORDER = [0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29];

/** A byte string repeated (or cut) to `length` bytes. */
function stretch(unit: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = unit[i % unit.length] ?? 0;
  return out;
}

/** SHA-crypt (`$5$` / `$6$`) of `password` with the settings of `setting` (`$6$[rounds=N$]salt[$…]`). */
function shaCrypt(password: Buffer, setting: string, algorithm: 'sha512' | 'sha256'): string | undefined {
  const id = algorithm === 'sha512' ? '6' : '5';
  let rest = setting.slice(3);
  let rounds = 5000;
  let roundsText = '';
  const custom = /^rounds=(\d+)\$/.exec(rest);
  if (custom !== null) {
    rounds = Math.min(999_999_999, Math.max(1000, Number(custom[1])));
    roundsText = `rounds=${rounds}$`;
    rest = rest.slice(custom[0].length);
  }
  const salt = Buffer.from(rest.split('$')[0] ?? '', 'utf8').subarray(0, 16);
  const size = algorithm === 'sha512' ? 64 : 32;
  const h = (): ReturnType<typeof createHash> => createHash(algorithm);
  const b = h().update(password).update(salt).update(password).digest();
  const actx = h().update(password).update(salt);
  let i = password.length;
  for (; i > size; i -= size) actx.update(b);
  actx.update(b.subarray(0, i));
  for (i = password.length; i > 0; i >>= 1) actx.update((i & 1) !== 0 ? b : password);
  let c = actx.digest();
  const dpctx = h();
  for (i = 0; i < password.length; i++) dpctx.update(password);
  const p = stretch(dpctx.digest(), password.length);
  const dsctx = h();
  for (i = 0; i < 16 + (c[0] ?? 0); i++) dsctx.update(salt);
  const s = stretch(dsctx.digest(), salt.length);
  for (let r = 0; r < rounds; r++) {
    const ctx = h();
    ctx.update((r & 1) !== 0 ? p : c);
    if (r % 3 !== 0) ctx.update(s);
    if (r % 7 !== 0) ctx.update(p);
    ctx.update((r & 1) !== 0 ? c : p);
    c = ctx.digest();
  }
  const order = algorithm === 'sha512' ? SHA512_ORDER : SHA256_ORDER;
  let out = '';
  for (let k = 0; k < order.length; k += 3) out += b64(c[order[k] ?? 0] ?? 0, c[order[k + 1] ?? 0] ?? 0, c[order[k + 2] ?? 0] ?? 0, 4);
  out += algorithm === 'sha512' ? b64(0, 0, c[63] ?? 0, 2) : b64(0, c[31] ?? 0, c[30] ?? 0, 3);
  return `$${id}$${roundsText}${salt.toString('utf8')}$${out}`;
}

/** MD5-crypt (`$1$salt$…`, the FreeBSD scheme glibc keeps). */
function md5Crypt(password: Buffer, setting: string): string {
  const salt = Buffer.from(setting.slice(3).split('$')[0] ?? '', 'utf8').subarray(0, 8);
  const magic = Buffer.from('$1$');
  const h = (): ReturnType<typeof createHash> => createHash('md5');
  const alt = h().update(password).update(salt).update(password).digest();
  const ctx = h().update(password).update(magic).update(salt);
  for (let pl = password.length; pl > 0; pl -= 16) ctx.update(alt.subarray(0, Math.min(pl, 16)));
  const zero = Buffer.from([0]);
  const first = password.subarray(0, 1);
  for (let i = password.length; i !== 0; i >>= 1) ctx.update((i & 1) !== 0 ? zero : first);
  let f = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = h();
    c.update((i & 1) !== 0 ? password : f);
    if (i % 3 !== 0) c.update(salt);
    if (i % 7 !== 0) c.update(password);
    c.update((i & 1) !== 0 ? f : password);
    f = c.digest();
  }
  const g = (k: number): number => f[k] ?? 0;
  const out =
    b64(g(0), g(6), g(12), 4) + b64(g(1), g(7), g(13), 4) + b64(g(2), g(8), g(14), 4) + b64(g(3), g(9), g(15), 4) + b64(g(4), g(10), g(5), 4) + b64(0, 0, g(11), 2);
  return `$1$${salt.toString('utf8')}$${out}`;
}

/** crypt(3) of `password` with `setting` for a scheme orcalb knows; undefined otherwise. Allocates. */
export function cryptHash(password: string, setting: string): string | undefined {
  const pw = Buffer.from(password, 'utf8');
  switch (hashScheme(setting)) {
    case 'sha512':
      return shaCrypt(pw, setting, 'sha512');
    case 'sha256':
      return shaCrypt(pw, setting, 'sha256');
    case 'md5':
      return md5Crypt(pw, setting);
    default:
      return undefined;
  }
}

/** True when `password` hashes to `hash` (compared in constant time). */
export function passwordMatches(password: string, hash: string): boolean {
  const computed = cryptHash(password, hash);
  if (computed === undefined) return false;
  const a = Buffer.from(computed);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
