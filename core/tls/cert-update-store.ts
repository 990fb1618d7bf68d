// The runtime API's certificate store and its one transaction (management guide §9.3 `new|set|commit|abort|del ssl
// cert`, HAProxy's ckch stores): every certificate file the config loaded, plus those `new ssl cert` made, and at most
// one file being changed at a time. Answers are haproxy 2.6.12's texts (measured through socat). A commit is checked
// here (a certificate and its key, the key the certificate's) and then handed to main, which puts it in every
// forwarder (core/tls/cert-update.ts). Stats thread; one store per thread's Config.

import type { X509Certificate } from 'node:crypto';
import type { Config } from '../../config/model.js';
import { certificateBlocks, certificateNames, keyFits, parseCertificate, privateKeyBlock } from './cert-pem.js';
import { applyCertUpdate, certInstances, type CertUpdate } from './cert-update.js';

/** A file's content: no certificate for a store `new ssl cert` made and nothing was committed to yet. */
export interface StoredCert {
  readonly certs: readonly string[];
  readonly keyPem: string | undefined;
}

/** The transaction `set ssl cert` opened: the file and what its payload held. */
interface Transaction {
  readonly file: string;
  readonly content: StoredCert;
}

/** What commit asks main to do; the store applies it to its own Config when main says it is done. */
export type CommitStart = { readonly ok: false; readonly message: string } | { readonly ok: true; readonly update: CertUpdate; readonly instances: number };

export class CertStore {
  private readonly files = new Map<string, StoredCert>();
  private transaction: Transaction | undefined;
  private readonly config: Config;

  constructor(config: Config) {
    this.config = config;
    for (const f of config.frontends) {
      for (const b of f.binds) {
        for (const c of b.tls?.certs ?? []) {
          if (!this.files.has(c.file)) this.files.set(c.file, { certs: certificateBlocks(c.certPem), keyPem: c.keyPem });
        }
      }
    }
  }

  /** The files in HAProxy's order (its tree sorts the paths bytewise), and the transaction's file. */
  list(): { readonly files: readonly string[]; readonly transaction: string | undefined } {
    return { files: [...this.files.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), transaction: this.transaction?.file };
  }

  /** `show ssl cert F` (committed) or `*F` (the transaction's); undefined when there is no such file. */
  content(name: string): { readonly file: string; readonly stored: StoredCert; readonly pending: boolean; readonly used: boolean } | undefined {
    const pending = name.startsWith('*');
    const file = pending ? name.slice(1) : name;
    const stored = pending ? (this.transaction?.file === file ? this.transaction.content : undefined) : this.files.get(file);
    if (stored === undefined) return undefined;
    return { file, stored, pending, used: !pending && certInstances(this.config, file) > 0 };
  }

  /** `new ssl cert F`. */
  create(file: string): string {
    if (this.files.has(file)) return `Certificate '${file}' already exists!\n`;
    this.files.set(file, { certs: [], keyPem: undefined });
    return `New empty certificate store '${file}'!\n`;
  }

  /** `set ssl cert F <<` with its payload: opens or replaces the transaction. */
  set(file: string, payload: string): string {
    const cantUpdate = `Can't update ${file}!\n`;
    const open = this.transaction;
    // haproxy 2.6.12 puts such a payload in the other file's transaction (measured); orcalb refuses it, in the words
    // its commit uses, rather than change a certificate the operator did not name.
    if (open !== undefined && open.file !== file) {
      return `The ongoing transaction is about '${open.file}' but you are trying to set '${file}'\n${cantUpdate}`;
    }
    if (!this.files.has(file)) return `Can't replace a certificate which is not referenced by the configuration!\n${cantUpdate}`;
    const certs = certificateBlocks(payload);
    if (certs[0] === undefined || certs.some((c) => parseCertificate(c) === undefined)) {
      return `unable to load certificate from file '${file}'.\nCan't load the payload\n${cantUpdate}`;
    }
    this.transaction = { file, content: { certs, keyPem: privateKeyBlock(payload) } };
    return `Transaction ${open === undefined ? 'created' : 'updated'} for certificate ${file}!\n`;
  }

  /** `abort ssl cert F`. */
  abort(file: string): string {
    const open = this.transaction;
    if (open === undefined) return 'No ongoing transaction!\n';
    if (open.file !== file) return `The ongoing transaction is about '${open.file}' but you are trying to abort a transaction for '${file}'\n`;
    this.transaction = undefined;
    return `Transaction aborted for certificate '${file}'!\n`;
  }

  /**
   * `commit ssl cert F`, first half: checks the transaction and takes it (a second commit meanwhile finds none). The
   * caller hands `update` to main when `instances` > 0, then calls committed().
   */
  startCommit(file: string): CommitStart {
    const cantCommit = `Can't commit ${file}!\n`;
    const open = this.transaction;
    if (open === undefined) return { ok: false, message: `No ongoing transaction! !\n${cantCommit}` };
    if (open.file !== file) return { ok: false, message: `The ongoing transaction is about '${open.file}' but you are trying to set '${file}'\n${cantCommit}` };
    const leafPem = open.content.certs[0];
    const leaf = leafPem === undefined ? undefined : parseCertificate(leafPem);
    const keyPem = open.content.keyPem;
    const fits = leaf === undefined || keyPem === undefined ? 'unreadable' : keyFits(leaf, keyPem);
    if (leaf === undefined || keyPem === undefined || fits === 'unreadable') {
      return { ok: false, message: `The transaction must contain at least a certificate and a private key!\n${cantCommit}` };
    }
    if (fits === 'mismatch') return { ok: false, message: `inconsistencies between private key and certificate loaded '${file}'.\n${cantCommit}` };
    this.transaction = undefined;
    const update: CertUpdate = { file, certPem: open.content.certs.join('\n'), keyPem, names: certificateNames(leaf) };
    return { ok: true, update, instances: certInstances(this.config, file) };
  }

  /** `commit ssl cert F`, second half: the file's content is the committed one, here and in this thread's Config. */
  committed(update: CertUpdate): void {
    this.files.set(update.file, { certs: certificateBlocks(update.certPem), keyPem: update.keyPem });
    applyCertUpdate(this.config, update);
  }

  /** `del ssl cert F`: only a file no bind uses and no transaction is changing. */
  remove(file: string): string {
    if (this.transaction?.file === file) return `Can't remove the certificate: ongoing transaction for the certificate '${file}'\n`;
    if (!this.files.has(file)) return `Can't remove the certificate: certificate '${file}' doesn't exist!\n\n`;
    if (certInstances(this.config, file) > 0) return `Can't remove the certificate: certificate '${file}' in use, can't be deleted!\n\n`;
    this.files.delete(file);
    return `Certificate '${file}' deleted!\n`;
  }
}

/** The store of a thread's Config: built at the first certificate command, kept for the thread's life. */
const stores = new WeakMap<Config, CertStore>();

/** The certificate store of `config` (the stats thread's): one per Config, so a restarted thread starts from main's. */
export function certStoreOf(config: Config): CertStore {
  let store = stores.get(config);
  if (store === undefined) {
    store = new CertStore(config);
    stores.set(config, store);
  }
  return store;
}

/** The leaf and chain of stored content, parsed (for `show ssl cert F`). */
export function parsedChain(stored: StoredCert): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const pem of stored.certs) {
    const x = parseCertificate(pem);
    if (x !== undefined) out.push(x);
  }
  return out;
}
