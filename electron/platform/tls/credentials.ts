/** What a TLS client needs to authenticate as the logged-in practitioner (a PEM pair, or a CPS card through the PKCS#11 engine). */
export type TlsCredentials =
  | { kind: 'pem'; keyPem: string; certPem: string; chainPem: readonly string[] }
  | { kind: 'pkcs11-engine'; enginePath: string; keyUri: string; certPem: string; chainPem: readonly string[]; modulePath: string };
