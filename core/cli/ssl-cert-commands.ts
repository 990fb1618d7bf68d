// The runtime API's certificate commands (management guide §9.3): `new|set|commit|abort|del ssl cert F` and `show ssl
// cert [F|*F]`, with haproxy 2.6.12's levels, help lines and answers (compared through socat in
// tests/regressions/issue-0014-ssl-cert-cli*.test.ts). The store and its transaction are core/tls/cert-update-store.ts;
// a commit goes to main, which puts the certificate in every forwarder before the answer. Stats thread.

import type { X509Certificate } from 'node:crypto';
import type { CliCommand, CliContext } from './cli-command.js';
import { certStoreOf, parsedChain, type CertStore, type StoredCert } from '../tls/cert-update-store.js';

/** HAProxy's answer to `show ssl cert F` for a file it has not (or a transaction that is not F's). */
const NOT_FOUND = "Can't display the certificate: Not found or the certificate is a bundle!\n";

/**
 * HAProxy's one-line name, `/C=FR/O=Org, Inc/CN=y`: node:crypto gives one `key=value` a line with `,+;<>"\\`
 * escaped by a backslash; haproxy prints the values as they are (measured).
 */
function oneLine(name: string): string {
  return name.split('\n').map((part) => `/${part.replace(/\\(.)/g, '$1')}`).join('');
}

/** HAProxy's `Algorithm:` value: the key type and its size in bits (RSA2048, EC256). */
function algorithm(x: X509Certificate): string {
  const key = x.publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return `RSA${details?.modulusLength ?? 0}`;
  if (key.asymmetricKeyType === 'dsa') return `DSA${details?.modulusLength ?? 0}`;
  if (key.asymmetricKeyType === 'ec') {
    const bits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp224r1: 224 };
    return `EC${bits[details?.namedCurve ?? ''] ?? 0}`;
  }
  return (key.asymmetricKeyType ?? 'unknown').toUpperCase();
}

/** `show ssl cert F`: the lines haproxy 2.6.12 prints for one file (its transaction's with `*`). */
function detail(file: string, stored: StoredCert, pending: boolean, used: boolean): string {
  const [leaf, ...chain] = parsedChain(stored);
  let out = `Filename: ${pending ? '*' : ''}${file}\nStatus: ${leaf === undefined ? 'Empty' : used ? 'Used' : 'Unused'}\n`;
  if (leaf !== undefined) {
    out += `Serial: ${leaf.serialNumber.toUpperCase()}\nnotBefore: ${leaf.validFrom}\nnotAfter: ${leaf.validTo}\n`;
    // Printed empty for a certificate without names, as haproxy does.
    out += `Subject Alternative Name: ${leaf.subjectAltName ?? ''}\n`;
    out += `Algorithm: ${algorithm(leaf)}\nSHA1 FingerPrint: ${leaf.fingerprint.replaceAll(':', '')}\n`;
    out += `Subject: ${oneLine(leaf.subject)}\nIssuer: ${oneLine(leaf.issuer)}\n`;
    for (const c of chain) out += `Chain Subject: ${oneLine(c.subject)}\nChain Issuer: ${oneLine(c.issuer)}\n`;
  }
  // orcalb staples no OCSP response: the key line stays empty, as haproxy prints it for a certificate without one.
  return `${out}OCSP Response Key: \n`;
}

function show(ctx: CliContext, name: string | undefined): string {
  const store = certStoreOf(ctx.config);
  if (name === undefined) {
    const { files, transaction } = store.list();
    const head = transaction === undefined ? '' : `# transaction\n*${transaction}\n`;
    return `${head}# filename\n${files.map((f) => `${f}\n`).join('')}`;
  }
  const got = store.content(name);
  return got === undefined ? NOT_FOUND : detail(got.file, got.stored, got.pending, got.used);
}

async function commit(ctx: CliContext, file: string): Promise<string> {
  const store = certStoreOf(ctx.config);
  const start = store.startCommit(file);
  if (!start.ok) return start.message;
  if (start.instances > 0) {
    try {
      const answer = await ctx.relay({ kind: 'ssl-cert', update: start.update });
      if (!answer.ok) return `${answer.message ?? ''}Can't commit ${file}!\n`;
    } catch (e) {
      return `${e instanceof Error ? e.message : String(e)}\nCan't commit ${file}!\n`;
    }
  }
  store.committed(start.update);
  // One dot per instance (a bind that loaded the file), as haproxy marks each one it rebuilt.
  return `Committing ${file}${'.'.repeat(start.instances)}\nSuccess!\n`;
}

/** An admin command on one file: haproxy's complaint when the file is missing, else the store's answer. */
function onFile(verb: string, usage: string, text: string, missing: string, act: (store: CertStore, file: string) => string): CliCommand {
  return {
    words: [verb, 'ssl', 'cert'],
    level: 'admin',
    help: { usage: `${verb} ssl cert ${usage}`, text },
    run: (ctx, [file]) => (file === undefined ? missing : act(certStoreOf(ctx.config), file)),
  };
}

export const SSL_CERT_COMMANDS: readonly CliCommand[] = [
  onFile('abort', '<certfile>', 'abort a transaction for a certificate file', "'abort ssl cert' expects a filename\n", (s, f) => s.abort(f)),
  {
    words: ['commit', 'ssl', 'cert'],
    level: 'admin',
    help: { usage: 'commit ssl cert <certfile>', text: 'commit a certificate file' },
    run: (ctx, [file]) => (file === undefined ? "'commit ssl cert expects a filename\n" : commit(ctx, file)),
  },
  onFile('del', '<certfile>', 'delete an unused certificate file', "'del ssl cert' expects a certificate name\n", (s, f) => s.remove(f)),
  onFile('new', '<certfile>', 'create a new certificate file to be used in a crt-list or a directory', "'new ssl cert' expects a filename\n", (s, f) => s.create(f)),
  {
    words: ['set', 'ssl', 'cert'],
    level: 'admin',
    help: { usage: 'set ssl cert <certfile> <payload>', text: 'replace a certificate file' },
    run: (ctx, [file], payload) =>
      file === undefined || payload === undefined
        ? "'set ssl cert expects a filename and a certificate as a payload\n"
        : certStoreOf(ctx.config).set(file, payload),
  },
  {
    words: ['show', 'ssl', 'cert'],
    level: 'operator',
    help: { usage: 'show ssl cert [<certfile>]', text: 'display the SSL certificates used in memory, or the details of a file' },
    run: (ctx, [name]) => show(ctx, name),
  },
];
