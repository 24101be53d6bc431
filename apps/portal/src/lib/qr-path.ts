import { encode } from 'uqr';

/** Modules of white space around the code, as the QR specification asks for scanners. */
const QUIET_ZONE = 4;

/**
 * A QR code as one SVG path, one unit per module: drawn by React with a CSS fill, so the strict
 * CSP (no inline styles, no data: scripts) holds and nothing is rendered from an HTML string.
 */
export function qrCodePath(text: string): { size: number; path: string } {
  const qr = encode(text, { ecc: 'M', border: QUIET_ZONE });
  const path = qr.data
    .flatMap((row, y) => row.map((dark, x) => (dark ? `M${x} ${y}h1v1h-1z` : '')))
    .join('');
  return { size: qr.data.length, path };
}
