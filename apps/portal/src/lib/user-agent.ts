/**
 * A short name for a User-Agent ("Firefox on Windows", "curl"), for lists of a person's devices.
 * Only a label to recognise a device by: the string is the client's claim, and the raw value
 * stays next to it for anyone who wants the detail.
 */
export function describeUserAgent(userAgent: string | null | undefined): string {
  const value = userAgent?.trim();
  if (!value) return 'Unknown client';
  const browser = browserOf(value);
  const system = systemOf(value);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  const tool = /^([A-Za-z][\w.-]{0,40})\//.exec(value)?.[1];
  if (tool) return system ? `${tool} on ${system}` : tool;
  return value.length > 40 ? `${value.slice(0, 39)}…` : value;
}

// Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Headless Chrome'],
  [/\bChrom(e|ium)\/|\bCriOS\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
];

function browserOf(value: string): string | null {
  if (!value.startsWith('Mozilla/')) return null;
  return BROWSERS.find(([pattern]) => pattern.test(value))?.[1] ?? null;
}

function systemOf(value: string): string | null {
  return SYSTEMS.find(([pattern]) => pattern.test(value))?.[1] ?? null;
}
