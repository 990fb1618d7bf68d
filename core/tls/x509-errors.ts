// OpenSSL's certificate verify errors: the names node:tls reports (`authorizationError`) and the X509_V_ERR_* numbers
// haproxy shows and takes (`ssl_c_verify`, the PROXY v2 SSL TLV's verify field, `ca-ignore-err`/`crt-ignore-err`).
// The one owner of that mapping. Pure; any thread.

/** Index = OpenSSL's number (0 = X509_V_OK), value = Node's code name. */
const X509_ERRORS: readonly string[] = [
  'OK', 'UNSPECIFIED', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD', 'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'OUT_OF_MEM', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED',
  'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
];

/**
 * OpenSSL's number for node:tls's verify error (an Error whose message is the code, or the code itself); 0 for none,
 * 1 (X509_V_ERR_UNSPECIFIED) for a name outside the table.
 */
export function x509ErrorNumber(err: Error | string | null | undefined): number {
  if (err === undefined || err === null) return 0;
  const name = typeof err === 'string' ? err : ((err as NodeJS.ErrnoException).code ?? err.message);
  const n = X509_ERRORS.indexOf(name);
  return n < 0 ? 1 : n;
}
