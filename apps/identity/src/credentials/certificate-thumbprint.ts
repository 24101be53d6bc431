import { createHash, X509Certificate } from 'node:crypto';
import { problems } from '@portcullis/nest-service';

/** RFC 8705 `x5t#S256` of a PEM certificate: base64url SHA-256 of its DER encoding. */
export function thumbprintOfPem(pem: string): string {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw problems.validation([
      { path: 'certificatePem', message: 'is not a readable certificate' },
    ]);
  }
  if (Date.parse(certificate.validTo) <= Date.now()) {
    throw problems.validation([{ path: 'certificatePem', message: 'has expired' }]);
  }
  return createHash('sha256').update(certificate.raw).digest('base64url');
}
