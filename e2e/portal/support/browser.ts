import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../support/app-process.js';

export const SCREENSHOT_DIR = resolve(ROOT, '.var/screenshots');

/**
 * Debian's chromium, headless, nothing phoning home. Playwright gives every launch a fresh, empty
 * profile directory of its own (it refuses --user-data-dir with launch()). Each
 * person in a test gets their own context, so cookies never mix.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Content Security Policy violations the page reported. */
  cspViolations: string[];
}

export async function newPerson(
  browser: Browser,
  baseURL: string,
  viewport = { width: 1280, height: 900 },
): Promise<Person> {
  const context = await browser.newContext({
    baseURL,
    viewport,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  // Reports each violation with where it came from (init scripts run outside the page's CSP).
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
    console.warn('csp-violation ' + JSON.stringify({
      directive: event.violatedDirective,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
      element: event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 160) : null,
    }));
  });`);
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (message.text().startsWith('csp-violation ')) cspViolations.push(message.text());
  });
  return { context, page, cspViolations };
}

const axeSource = readFileSync(resolve(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page (evaluated over the DevTools protocol, so the page's CSP stays
 * strict) and returns the serious and critical violations.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // A string, not a function: the test project compiles without DOM types.
  const violations = (await page.evaluate(`axe
    .run(document, { resultTypes: ['violations'] })
    .then((result) => result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => JSON.stringify(node.target)),
    })))`)) as AxeViolation[];
  return violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * The checks every page gets: no inline styles, no CSP violation, no serious or critical axe-core
 * violation; then a screenshot. Violations are cleared afterwards, because axe-core itself sets
 * inline styles while measuring contrast (those are the test's, not the page's).
 */
export async function checkPage(person: Person, name: string): Promise<void> {
  await person.page.locator('main h1').first().waitFor();
  const styled = await person.page.evaluate(
    `Array.from(document.querySelectorAll('[style]:not([style=""]):not(next-route-announcer)')).slice(0, 3).map((element) => element.outerHTML.slice(0, 200))`,
  );
  if ((styled as unknown[]).length > 0)
    throw new Error(`inline styles on ${name}: ${JSON.stringify(styled)}`);
  if (person.cspViolations.length > 0)
    throw new Error(`CSP violations on ${name}: ${person.cspViolations.join('\n')}`);
  const violations = await seriousA11yViolations(person.page);
  if (violations.length > 0)
    throw new Error(`axe violations on ${name}: ${JSON.stringify(violations, null, 2)}`);
  person.cspViolations.length = 0;
  await screenshot(person.page, name);
}
