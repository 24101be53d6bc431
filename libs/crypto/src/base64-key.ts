/**
 * A key from its configured text: canonical base64 (padded) or base64url (padding optional) of
 * `minBytes` bytes or more (`maxBytes` at most), else null. Node's own decoder skips characters
 * outside the alphabet and stops at the first `=`, so a mistyped or pasted-with-quotes key would
 * otherwise become another key without a word — on one replica and not the next.
 */
export function decodeBase64Key(
  text: string,
  minBytes: number,
  maxBytes = Infinity,
): Buffer | null {
  const url = /^[A-Za-z0-9_-]+={0,2}$/.test(text) && !/[+/]/.test(text);
  const standard = /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0;
  if (!url && !standard) return null;
  const encoding = standard ? 'base64' : 'base64url';
  const key = Buffer.from(text, encoding);
  // Re-encoding catches unused bits set in the last character (another text, the same key).
  const canonical = key.toString(encoding);
  const given = encoding === 'base64url' ? text.replace(/=+$/, '') : text;
  if (canonical !== given) return null;
  return key.length >= minBytes && key.length <= maxBytes ? key : null;
}

/** How to keep the key an earlier, lenient version read from `variable`, when it is not canonical. */
export function canonicalKeyHint(variable: string): string {
  return (
    'to keep the key earlier versions read from it, set it to the output of: ' +
    `node -e 'console.log(Buffer.from(process.argv[1], "base64").toString("base64"))' "$${variable}"`
  );
}
