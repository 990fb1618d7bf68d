// SSL/TLS fetches of the client connection (manual §7.3.4): ssl_fc, ssl_fc_sni, ssl_fc_protocol, ssl_fc_cipher,
// ssl_fc_alpn, ssl_fc_has_sni, ssl_fc_is_resumed, ssl_c_used, ssl_c_verify, ssl_c_s_dn, ssl_c_sha1, read from the TLS socket core/tls/tls-front.ts
// handed the session (FetchContext.tls; undefined on a plain bind, where all fail but ssl_fc, which is false).
// Forwarder threads: ssl_fc allocates nothing; the others build their string once per call (rules and logs that
// use them only).

import { createHash } from 'node:crypto';
import { placeMask, type FetchDescriptor } from './descriptor.js';
import type { FetchContext } from './fetch-context.js';
import { NO_ARGS } from './sample-args.js';
import { SMP, type Sample } from './sample.js';
import { x509ErrorNumber } from '../tls/x509-errors.js';

/** Usable wherever the connection is known (HAProxy's L5 client fetches): every rule place but the two parsers. */
const SSL_PLACES = placeMask('YYYYYYYYYYYYYYYYYYYY..');

/** A string sample from a JS string (Latin-1 bytes, as HAProxy's are raw bytes); fails on undefined or ''. */
function setText(s: Sample, text: string | false | null | undefined): boolean {
  if (text === undefined || text === null || text === false || text === '') return false;
  const b = Buffer.from(text, 'latin1');
  return s.setStr(b, 0, b.length);
}

/** The client's certificate as DER, or undefined when it sent none (or the bind did not ask). */
function peerDer(ctx: FetchContext): Buffer | undefined {
  const cert = ctx.tls?.getPeerCertificate();
  // Node answers {} when there is no certificate.
  return cert !== undefined && 'raw' in cert && cert.raw instanceof Buffer ? cert.raw : undefined;
}

/** HAProxy's one-line DN (`/C=FR/O=Org/CN=name`), from the certificate's subject in its own order. */
function onelineDn(ctx: FetchContext): string | undefined {
  const x = ctx.tls?.getPeerX509Certificate();
  if (x === undefined) return undefined;
  return x.subject.split('\n').map((l) => `/${l}`).join('');
}

export const SSL_FETCHES: readonly FetchDescriptor[] = [
  {
    name: 'ssl_fc',
    args: NO_ARGS,
    out: SMP.BOOL,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => s.setBool(ctx.tls !== undefined),
  },
  {
    name: 'ssl_fc_sni',
    args: NO_ARGS,
    out: SMP.STR,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => setText(s, (ctx.tls as { servername?: string | false } | undefined)?.servername),
  },
  {
    name: 'ssl_fc_protocol',
    args: NO_ARGS,
    out: SMP.STR,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => setText(s, ctx.tls?.getProtocol()),
  },
  {
    name: 'ssl_fc_cipher',
    args: NO_ARGS,
    out: SMP.STR,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => setText(s, ctx.tls?.getCipher().name),
  },
  {
    name: 'ssl_fc_alpn',
    args: NO_ARGS,
    out: SMP.STR,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => setText(s, ctx.tls?.alpnProtocol),
  },
  {
    name: 'ssl_fc_has_sni',
    args: NO_ARGS,
    out: SMP.BOOL,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => s.setBool(typeof (ctx.tls as { servername?: string | false } | undefined)?.servername === 'string'),
  },
  {
    name: 'ssl_fc_is_resumed',
    args: NO_ARGS,
    out: SMP.BOOL,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => (ctx.tls === undefined ? false : s.setBool(ctx.tls.isSessionReused())),
  },
  {
    name: 'ssl_c_used',
    args: NO_ARGS,
    out: SMP.BOOL,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => (ctx.tls === undefined ? false : s.setBool(peerDer(ctx) !== undefined)),
  },
  {
    name: 'ssl_c_verify',
    args: NO_ARGS,
    out: SMP.SINT,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => {
      const t = ctx.tls;
      if (t === undefined) return false;
      // No certificate, or one the CA vouched for: OpenSSL's X509_V_OK.
      if (t.authorized || peerDer(ctx) === undefined) return s.setInt(0);
      return s.setInt(x509ErrorNumber(t.authorizationError));
    },
  },
  {
    name: 'ssl_c_s_dn',
    args: NO_ARGS,
    out: SMP.STR,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => setText(s, onelineDn(ctx)),
  },
  {
    name: 'ssl_c_sha1',
    args: NO_ARGS,
    out: SMP.BIN,
    use: SSL_PLACES,
    source: 'client connection',
    compile: () => (ctx, s) => {
      const der = peerDer(ctx);
      if (der === undefined) return false;
      const sum = createHash('sha1').update(der).digest();
      return s.setBin(sum, 0, sum.length);
    },
  },
];
