import { describe, expect, it } from 'vitest';
import { qrCodePath } from './qr-path';

describe('qrCodePath', () => {
  const uri =
    'otpauth://totp/Portcullis:dana%40example.test?issuer=Portcullis&secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30';

  it('draws the finder pattern in the top-left corner, inside the quiet zone', () => {
    const { path, size } = qrCodePath(uri);
    // A version-3+ code with a 4-module quiet zone on each side.
    expect(size).toBeGreaterThanOrEqual(29 + 8);
    // The finder pattern's outer ring starts at (4, 4); the quiet zone stays blank.
    expect(path).toContain('M4 4h1v1h-1z');
    expect(path).toContain('M10 4h1v1h-1z');
    expect(path).not.toContain('M3 3h1v1h-1z');
    expect(path).not.toMatch(/M0 \d+h/);
  });

  it('encodes the text: different secrets give different codes', () => {
    expect(qrCodePath(uri).path).not.toBe(qrCodePath(uri.replace('JBSW', 'KBSW')).path);
  });
});
