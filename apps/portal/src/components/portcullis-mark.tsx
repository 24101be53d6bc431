/** The Portcullis gate; decorative, so hidden from assistive technology. */
export function PortcullisMark({ size = 28 }: { size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 32 32"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="2.5"
      strokeLinecap="round"
    >
      <path d="M5 29V9a11 11 0 0 1 22 0v20" />
      <path d="M11 6v23M16 4v25M21 6v23M5 14h22M5 21h22" />
    </svg>
  );
}
