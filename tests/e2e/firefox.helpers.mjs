// firefox.helpers.mjs — the Firefox side of the browser tests: Debian's firefox-esr driven by
// puppeteer-core over WebDriver BiDi (never a downloaded browser). One browser per test file (starting
// Firefox takes seconds), a fresh tab per test with watchers for console errors, page errors,
// requests and Content-Security-Policy violations. A missing Firefox fails under CI=true and skips
// the test locally, with the reason.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const FIREFOX = '/usr/bin/firefox-esr';

/**
 * Starts headless Firefox, or returns null when it is not installed (the tests then skip, or fail
 * under CI, through openTab). Returns {browser, close()}.
 */
export async function startFirefox() {
  if (!existsSync(FIREFOX)) return null;
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    protocol: 'webDriverBiDi',
    headless: true,
    defaultViewport: null,
    // a test machine: no first-run pages, no background downloads of any kind
    extraPrefsFirefox: { 'app.update.enabled': false, 'browser.safebrowsing.update.enabled': false, 'network.captive-portal-service.enabled': false },
  });
  return { browser, close: () => browser.close().catch(() => {}) };
}

/**
 * A new tab of `firefox` (from startFirefox), or null after skipping the test when Firefox is
 * missing. Watches the tab from its first document on:
 *   problems  console errors and uncaught page errors, as text
 *   requests  every URL requested
 *   csp()     the CSP violations the documents reported ("directive blocked-uri")
 * @param {import('node:test').TestContext} t
 */
export async function openTab(t, firefox, { width = 1100, height = 800 } = {}) {
  if (!firefox) {
    const why = `Firefox is not installed at ${FIREFOX} (Debian: apt-get install firefox-esr)`;
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    console.log(`# SKIPPED: ${why}`);
    return null;
  }
  const page = await firefox.browser.newPage();
  await page.setViewport({ width, height });
  const problems = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.evaluateOnNewDocument(() => {
    globalThis.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => globalThis.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return {
    page,
    problems,
    requests,
    csp: () => page.evaluate(() => globalThis.__cspViolations),
    close: () => page.close().catch(() => {}),
  };
}

/**
 * Checks that the document's Content-Security-Policy is enforced: an inline script added to the
 * document does not run and is reported as a violation. Returns the violations it caused.
 */
export async function provokeInlineScript(page) {
  return page.evaluate(async () => {
    const before = globalThis.__cspViolations.length;
    const s = document.createElement('script');
    s.textContent = 'globalThis.__inlineScriptRan = true;';
    document.head.append(s);
    await new Promise((r) => setTimeout(r, 50)); // violation events are queued as a task
    return { ran: globalThis.__inlineScriptRan === true, violations: globalThis.__cspViolations.slice(before) };
  });
}

/** Moves the mouse onto a point in steps (so that hover handlers see a real approach). */
export async function hoverAt(page, x, y) {
  await page.mouse.move(x - 30, y - 30);
  await page.mouse.move(x, y, { steps: 4 });
}

/** Screenshot of one element into `dir`/`name`. */
export async function shotOf(page, selector, dir, name) {
  const el = await page.$(selector);
  await el.screenshot({ path: path.join(dir, name) });
}
