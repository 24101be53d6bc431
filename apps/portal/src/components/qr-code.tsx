import { qrCodePath } from '../lib/qr-path';

/** A scannable QR code as inline SVG (colours from CSS classes: the CSP forbids style attributes). */
export function QrCode({ value, label }: { value: string; label: string }) {
  const { size, path } = qrCodePath(value);
  return (
    <svg
      className="qr-code"
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <rect className="qr-code-light" width={size} height={size} />
      <path className="qr-code-dark" d={path} />
    </svg>
  );
}
