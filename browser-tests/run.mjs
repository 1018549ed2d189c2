#!/usr/bin/env node
// Browser tests of a built sitrep site, in the system Chromium through
// playwright-core. Usage (from the repository root):
//
//   node browser-tests/run.mjs [SITE_DIR]      (default: target/browser-site)
//
// Environment: CHROMIUM (default /usr/bin/chromium), BROWSER_ARTIFACTS
// (default target/browser-artifacts), BROWSER_TESTS_ONLY (run only the tests
// whose name contains it). The last line printed is `N passed, N failed`;
// the exit status is non-zero when a test failed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { serve } from './lib/server.mjs';
import { test, runAll, expectNone, assert } from './lib/harness.mjs';
import { inspectCharts, inspectNoScript, inspectLayout, chartLayouts } from './lib/inpage.mjs';
import { linkPages } from './lib/pdf.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const SITE = path.resolve(process.argv[2] || path.join(REPO, 'target/browser-site'));
const ARTIFACTS = path.resolve(process.env.BROWSER_ARTIFACTS || path.join(REPO, 'target/browser-artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const CSP = "default-src 'self'";
const TOTAL_LIMIT_MS = 30 * 60_000; // the layout checks alone visit 40 pages
const started = Date.now();

// A hard stop for the whole run, whatever hangs.
const watchdog = setTimeout(() => {
  console.log(`browser tests: gave up after ${TOTAL_LIMIT_MS / 60_000} minutes`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}, TOTAL_LIMIT_MS);
watchdog.unref();

// ---------------------------------------------------------------- the site

function readSite() {
  const versionsFile = path.join(SITE, 'versions.json');
  if (!fs.existsSync(versionsFile)) throw new Error(`${SITE} is not a built site (no versions.json); build it with: cargo run --release -- build --output ${path.relative(REPO, SITE) || SITE}`);
  const versions = JSON.parse(fs.readFileSync(versionsFile, 'utf8'));
  const programsOf = (id) =>
    fs
      .readdirSync(path.join(SITE, id), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'print' && fs.existsSync(path.join(SITE, id, e.name, 'index.html')))
      .map((e) => e.name)
      .sort();
  const onDisk = fs
    .readdirSync(SITE, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !['assets', 'archive'].includes(e.name) && fs.existsSync(path.join(SITE, e.name, 'index.html')))
    .map((e) => e.name)
    .sort();
  const newest = versions[0]?.id;
  const older = versions.length > 1 ? versions[versions.length - 1].id : null;
  // A week's summary, its print view (the whole week in one document) and every program deck.
  const printView = (id) => (fs.existsSync(path.join(SITE, id, 'print', 'index.html')) ? [`${id}/print/index.html`] : []);
  const pagesOf = (id) => [`${id}/index.html`, ...printView(id), ...programsOf(id).map((p) => `${id}/${p}/index.html`)];
  const pages = ['index.html', 'archive/index.html', ...pagesOf(newest), ...(older ? pagesOf(older) : [])];
  return { versions, onDisk, newest, older, programsOf, pages };
}

let site;
let browser;
let plain; // static server without CSP
let strict; // static server sending the CSP header

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const siteFileUrl = (relative) => pathToFileURL(path.join(SITE, relative)).href;
const FILE_PREFIX = pathToFileURL(SITE).href + '/';

async function newContext(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  return context;
}

/**
 * Opens `url` in a new page of `context`, watching everything that goes
 * wrong: console errors, uncaught exceptions, failed or 4xx/5xx requests,
 * requests outside `prefix` (aborted, so nothing leaves the machine) and
 * CSP violations. Waits for the charts to be drawn when scripts run.
 */
async function visit(context, url, { prefix, expectUrl, scripts = true, settle = true } = {}) {
  const page = await context.newPage();
  const log = { console: [], errors: [], failed: [], outside: [], status: [], csp: [], undrawn: [], requests: 0, hostFavicon: 0 };
  const allowed = (u) => u.startsWith(prefix);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location()?.url || '';
    // Chromium itself asks the host for /favicon.ico when a page declares no
    // icon; that request is not the page's and is not in the site's folder.
    if (prefix.startsWith('http') && where === new URL('/favicon.ico', prefix).href) {
      log.hostFavicon += 1;
      return;
    }
    log.console.push(`${m.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (e) => log.errors.push(e.message));
  page.on('request', (r) => {
    log.requests += 1;
    if (!allowed(r.url())) log.outside.push(r.url());
  });
  page.on('requestfailed', (r) => {
    if (allowed(r.url())) log.failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) log.status.push(`${r.status()} ${r.url()}`);
  });
  await page.route(
    (u) => !allowed(u.href),
    (route) => route.abort('blockedbyclient'),
  );
  if (scripts) {
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile || ''}:${e.lineNumber || ''})`);
      });
    });
  }
  await page.goto(url, { waitUntil: 'load' });
  if (expectUrl) await page.waitForURL(expectUrl, { waitUntil: 'load' });
  if (scripts) {
    // Charts draw in well under a second; an empty one is reported (by
    // problemsOf) rather than thrown, so the other checks of the page run.
    const drawn = await page
      .waitForFunction(() => [...document.querySelectorAll('.chart-canvas')].every((c) => c.querySelector('svg path')), null, { timeout: 5_000 })
      .then(() => true, () => false);
    if (!drawn) log.undrawn = await page.evaluate(() => [...document.querySelectorAll('.chart-canvas')].filter((c) => !c.querySelector('svg path')).map((c) => c.id));
  }
  // Let late requests show up (networkidle: 500 ms without any).
  if (settle) await page.waitForLoadState('networkidle', { timeout: 10_000 });
  if (scripts) log.csp = await page.evaluate(() => window.__cspViolations || []);
  return { page, log };
}

function problemsOf(label, log) {
  return [
    ...log.console.map((x) => `${label}: console error: ${x}`),
    ...log.errors.map((x) => `${label}: uncaught exception: ${x}`),
    ...log.failed.map((x) => `${label}: request failed: ${x}`),
    ...log.status.map((x) => `${label}: HTTP ${x}`),
    ...log.outside.map((x) => `${label}: request outside the site: ${x}`),
    ...log.csp.map((x) => `${label}: CSP violation: ${x}`),
    ...(log.undrawn.length ? [`${label}: ${log.undrawn.length} charts still not drawn after 5 s: ${log.undrawn.slice(0, 5).join(', ')}`] : []),
  ];
}

/** Visits every page under test from `base`; returns figures and problems. */
async function visitAll(context, base, prefix, { scripts = true, each } = {}) {
  const problems = [];
  let requests = 0;
  let hostFavicon = 0;
  for (const relative of site.pages) {
    const landing = relative === 'index.html';
    const url = base(relative);
    const expectUrl = landing ? base(`${site.newest}/index.html`) : undefined;
    let opened;
    try {
      opened = await visit(context, url, { prefix, expectUrl: scripts ? expectUrl : undefined, scripts });
    } catch (error) {
      problems.push(`${relative}: ${error.message.split('\n')[0]}`);
      continue;
    }
    problems.push(...problemsOf(relative, opened.log));
    requests += opened.log.requests;
    hostFavicon += opened.log.hostFavicon;
    if (each) problems.push(...(await each(opened.page, relative)).map((p) => `${relative}: ${p}`));
    await opened.page.close();
  }
  return { problems, requests, hostFavicon };
}

// ----------------------------------------------------------------- tests

test('site under test: versions on disk, in versions.json and pages to visit', async () => {
  const listed = site.versions.map((v) => v.id).sort();
  assert(site.versions.length >= 2, `need at least two versions to test an older one, found ${site.versions.length}`);
  assert(JSON.stringify(listed) === JSON.stringify(site.onDisk), `versions.json lists ${listed} but the site has ${site.onDisk}`);
  for (const id of [site.newest, site.older]) assert(site.programsOf(id).length > 0, `version ${id} has no program pages`);
  return `${site.versions.length} versions (${site.versions.map((v) => v.id).join(', ')}); newest ${site.newest}, older ${site.older}; ${site.pages.length} pages to visit`;
});

test('every page loads over http with no console error, failed request or foreign request', async () => {
  const context = await newContext();
  try {
    const { problems, requests, hostFavicon } = await visitAll(context, plain.url, plain.origin + '/');
    expectNone(problems, 'problems');
    const probes = plain.requests.filter((r) => r.url === '/favicon.ico').length;
    return `${site.pages.length} pages, ${requests} requests, all to ${plain.origin}; 0 console errors${probes ? ` (not counted: Chromium's own probe of the host's /favicon.ico, ${probes}x 404, ${hostFavicon} console line(s); the theme declares no icon)` : ''}`;
  } finally {
    await context.close();
  }
});

test('every page loads from file:// with no console error, failed request or foreign request', async () => {
  const context = await newContext();
  try {
    const { problems, requests } = await visitAll(context, siteFileUrl, FILE_PREFIX);
    expectNone(problems, 'problems');
    return `${site.pages.length} pages, ${requests} requests, all inside ${FILE_PREFIX}`;
  } finally {
    await context.close();
  }
});

test('every chart is drawn as SVG with a point per value of its 6 weeks and 12 months', async () => {
  const context = await newContext();
  let charts = 0;
  let symbols = 0;
  let lines = 0;
  let values = 0;
  const perPage = [];
  try {
    const { problems } = await visitAll(context, plain.url, plain.origin + '/', {
      each: async (page, relative) => {
        const results = await page.evaluate(inspectCharts, { drawn: true });
        const containers = await page.locator('.chart-canvas').count();
        const found = [];
        if (containers !== results.length) found.push(`${containers} chart containers but ${results.length} chart option blocks`);
        for (const r of results) {
          charts += 1;
          symbols += r.symbols;
          lines += r.lines;
          values += r.values;
          found.push(...r.problems.map((p) => `${r.id}: ${p}`));
        }
        if (results.length) perPage.push(`${relative.replace('/index.html', '')}=${results.length}`);
        return found;
      },
    });
    expectNone(problems, 'chart problems');
    assert(charts > 0, 'no chart found on any page');
    assert(symbols === values, `${symbols} symbols drawn for ${values} table values`);
    return `${charts} charts drawn (${perPage.join(', ')}); ${symbols} points drawn exactly where ECharts maps the ${values} table values, ${lines} line paths through them`;
  } finally {
    await context.close();
  }
});

test('week switcher goes to the same program (or summary) in another week', async () => {
  const context = await newContext();
  let hops = 0;
  const problems = [];
  const WEEK = /\d{4}-W\d{2}/;
  try {
    const ids = site.versions.map((v) => v.id);
    // From the archive (no current week) the switcher opens week summaries.
    const starts = [{ from: null, program: null }];
    for (const from of [site.newest, site.older]) {
      starts.push({ from, program: null });
      for (const program of site.programsOf(from)) starts.push({ from, program });
    }
    for (const { from, program } of starts) {
      const rel = (week) => (week === null ? 'archive/index.html' : program ? `${week}/${program}/index.html` : `${week}/index.html`);
      const { page } = await visit(context, plain.url(rel(from)), { prefix: plain.origin + '/', settle: false });
      const heading = (await page.locator('h1').innerText()).trim();
      const entries = await page.locator('.switcher li a').evaluateAll((as) => as.map((a) => ({ text: a.textContent.trim(), href: a.href, current: a.getAttribute('aria-current') })));
      const weeks = entries.filter((e) => WEEK.test(e.text));
      const listed = weeks.map((e) => e.text.match(WEEK)[0]);
      if (JSON.stringify(listed) !== JSON.stringify(ids)) problems.push(`${rel(from)}: switcher lists ${listed}, not ${ids}`);
      const others = entries.filter((e) => !WEEK.test(e.text));
      if (others.some((e) => e.href !== plain.url('archive/index.html'))) problems.push(`${rel(from)}: switcher links ${others.map((e) => `"${e.text}" → ${e.href}`)}; only the archive was expected besides the weeks`);
      const current = weeks.filter((e) => e.current === 'page').map((e) => e.text.match(WEEK)[0]);
      if (JSON.stringify(current) !== JSON.stringify(from ? [from] : [])) problems.push(`${rel(from)}: switcher marks ${current} as current`);
      for (const to of ids.filter((id) => id !== from)) {
        const target = from === null ? `${to}/index.html` : rel(to);
        await page.goto(plain.url(rel(from)), { waitUntil: 'load' });
        await page.locator('.switcher summary').click();
        await page.locator('.switcher li a', { hasText: to }).click();
        await page.waitForURL(plain.url(target), { waitUntil: 'load' }).catch(() => {});
        const landed = new URL(page.url()).pathname.slice(1);
        if (landed !== target) problems.push(`${rel(from)} → ${to}: landed on ${landed}, not ${target}`);
        else {
          const summary = (await page.locator('.switcher summary').innerText()).trim();
          if (summary !== `Week ${to}`) problems.push(`${target}: switcher reads "${summary}"`);
          if (program) {
            const h1 = (await page.locator('h1').innerText()).trim();
            if (h1 !== heading) problems.push(`${rel(from)} → ${to}: program heading "${h1}", not "${heading}"`);
          }
        }
        hops += 1;
      }
      await page.close();
    }
    expectNone(problems, 'switcher problems');
    return `${hops} switches from ${starts.length} pages (archive, week summaries and every program of ${site.newest} and ${site.older}) each landed on the same page of the chosen week; every switcher lists the ${ids.length} weeks and the archive`;
  } finally {
    await context.close();
  }
});

test('archive lists every version, newest first, and each link opens that week', async () => {
  const context = await newContext();
  const problems = [];
  try {
    const { page, log } = await visit(context, plain.url('archive/index.html'), { prefix: plain.origin + '/' });
    problems.push(...problemsOf('archive', log));
    const rows = await page.locator('.archive-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ id: tr.querySelector('th a')?.textContent.trim(), href: tr.querySelector('th a')?.href, dates: tr.cells[1]?.textContent.trim() })),
    );
    const ids = site.versions.map((v) => v.id);
    if (JSON.stringify(rows.map((r) => r.id)) !== JSON.stringify(ids)) problems.push(`archive lists ${rows.map((r) => r.id)}, versions.json ${ids}`);
    for (const v of site.versions) {
      const row = rows.find((r) => r.id === v.id);
      if (!row) continue;
      if (!row.dates.includes(v.start) || !row.dates.includes(v.end)) problems.push(`${v.id}: archive dates "${row.dates}" are not ${v.start} – ${v.end}`);
      await page.goto(plain.url('archive/index.html'));
      await page.locator('.archive-table tbody th a', { hasText: v.id }).click();
      await page.waitForLoadState('load');
      const landed = new URL(page.url()).pathname;
      if (landed !== `/${v.id}/index.html`) problems.push(`${v.id}: archive link opened ${landed}`);
      const eyebrow = await page.locator('.page-header .eyebrow').innerText();
      if (!eyebrow.includes(v.start) || !eyebrow.includes(v.end)) problems.push(`${v.id}: week page reads "${eyebrow}"`);
    }
    await page.close();
    expectNone(problems, 'archive problems');
    return `${rows.length} archive rows = ${ids.length} versions in versions.json = ${site.onDisk.length} version folders; ${rows.length} links opened the right week`;
  } finally {
    await context.close();
  }
});

test('breadcrumbs name the path and every crumb link opens its page', async () => {
  const context = await newContext();
  const problems = [];
  let clicks = 0;
  let pages = 0;
  try {
    const crumbsOf = (page) =>
      page.locator('nav.breadcrumbs li').evaluateAll((lis) =>
        lis.map((li) => ({ text: li.textContent.trim(), link: !!li.querySelector('a'), current: li.querySelector('[aria-current="page"]') !== null })),
      );
    const cases = [{ rel: 'archive/index.html', trail: [['Archive', null]] }];
    for (const week of [site.newest, site.older]) {
      cases.push({ rel: `${week}/index.html`, trail: [['Archive', 'archive/index.html'], [`Week ${week}`, null]] });
      for (const program of site.programsOf(week)) {
        cases.push({ rel: `${week}/${program}/index.html`, trail: [['Archive', 'archive/index.html'], [`Week ${week}`, `${week}/index.html`], ['<h1>', null]] });
      }
    }
    for (const { rel, trail } of cases) {
      const { page } = await visit(context, plain.url(rel), { prefix: plain.origin + '/', settle: false });
      pages += 1;
      const h1 = (await page.locator('h1').innerText()).trim();
      const crumbs = await crumbsOf(page);
      const want = trail.map(([text, target]) => ({ text: text === '<h1>' ? h1 : text, link: target !== null, current: target === null }));
      if (JSON.stringify(crumbs) !== JSON.stringify(want)) problems.push(`${rel}: breadcrumbs ${JSON.stringify(crumbs)}, expected ${JSON.stringify(want)}`);
      for (const [text, target] of trail) {
        if (!target) continue;
        await page.goto(plain.url(rel));
        await page.locator('nav.breadcrumbs a', { hasText: text }).click();
        await page.waitForURL(plain.url(target), { waitUntil: 'load' }).catch(() => {});
        if (page.url() !== plain.url(target)) problems.push(`${rel}: crumb "${text}" opened ${page.url()}`);
        clicks += 1;
      }
      await page.close();
    }
    expectNone(problems, 'breadcrumb problems');
    return `${pages} pages' trails checked; ${clicks} crumb links clicked, each opened its page`;
  } finally {
    await context.close();
  }
});

test('internal links and #anchors resolve to files and ids of the site', async () => {
  const context = await newContext({ javaScriptEnabled: false });
  const problems = [];
  const idsCache = new Map();
  const idsOf = (file) => {
    if (!idsCache.has(file)) {
      const html = fs.readFileSync(file, 'utf8');
      idsCache.set(file, new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
    }
    return idsCache.get(file);
  };
  let links = 0;
  try {
    // Parsed rather than opened, so the landing page's refresh cannot move
    // away while its links are read.
    const page = await context.newPage();
    for (const relative of site.pages) {
      const html = fs.readFileSync(path.join(SITE, relative), 'utf8');
      const hrefs = await page.evaluate(
        ({ html, base }) =>
          [...new DOMParser().parseFromString(html, 'text/html').querySelectorAll('a[href], link[href], script[src], img[src], meta[http-equiv="refresh"]')].map((el) => {
            const raw = el.getAttribute('href') ?? el.getAttribute('src') ?? (el.getAttribute('content') || '').replace(/^\s*\d+\s*;\s*url=/i, '');
            return new URL(raw, base).href;
          }),
        { html, base: siteFileUrl(relative) },
      );
      for (const href of hrefs) {
        if (!href.startsWith('file:')) {
          problems.push(`${relative}: link leaves the site: ${href}`);
          continue;
        }
        links += 1;
        const url = new URL(href);
        const file = fileURLToPath(url);
        if (!file.startsWith(SITE + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
          problems.push(`${relative}: broken link ${path.relative(SITE, file)}`);
          continue;
        }
        const id = decodeURIComponent(url.hash.slice(1));
        if (id && !idsOf(file).has(id)) problems.push(`${relative}: link to missing anchor ${path.relative(SITE, file)}#${id}`);
      }
    }
    await page.close();
    expectNone(problems, 'link problems');
    return `${links} links, stylesheets and scripts on ${site.pages.length} pages all open a file of the site; every #anchor exists`;
  } finally {
    await context.close();
  }
});

test('without JavaScript every chart\'s numbers are readable in its table', async () => {
  const context = await newContext({ javaScriptEnabled: false });
  let figures = 0;
  let values = 0;
  try {
    const { problems } = await visitAll(context, siteFileUrl, FILE_PREFIX, {
      scripts: false,
      each: async (page) => {
        const found = [];
        const noscript = await page.evaluate(inspectNoScript);
        const charts = await page.evaluate(inspectCharts, { drawn: false });
        for (const r of noscript) {
          figures += 1;
          found.push(...r.problems.map((p) => `${r.id}: ${p}`));
        }
        for (const r of charts) {
          values += r.values;
          found.push(...r.problems.map((p) => `${r.id}: ${p}`));
        }
        if (noscript.length !== charts.length) found.push(`${noscript.length} chart figures for ${charts.length} charts`);
        const switcher = await page.locator('.switcher a').evaluateAll((as) => as.map((a) => a.href));
        if (switcher.length && !switcher.some((href) => href === siteFileUrl('archive/index.html'))) found.push(`without scripts the week switcher offers no way to other weeks: ${switcher}`);
        return found;
      },
    });
    expectNone(problems, 'problems');
    assert(figures > 0, 'no chart figure found');
    return `${figures} charts on ${site.pages.length} pages: table open and visible, no empty chart box; ${values} values read, each equal to the chart's data; the week switcher still links to the archive`;
  } finally {
    await context.close();
  }
});

test(`a strict CSP header (${CSP}) breaks nothing`, async () => {
  const context = await newContext();
  let charts = 0;
  try {
    const { problems, requests } = await visitAll(context, strict.url, strict.origin + '/', {
      each: async (page) => {
        const results = await page.evaluate(inspectCharts, { drawn: true });
        charts += results.length;
        return results.flatMap((r) => r.problems.map((p) => `${r.id}: ${p}`));
      },
    });
    const headerSent = strict.requests.filter((r) => r.status === 200).length;
    expectNone(problems, 'problems under CSP');
    return `${site.pages.length} pages and ${requests} requests with the header on every response (${headerSent} served); 0 violations; ${charts} charts still drawn`;
  } finally {
    await context.close();
  }
});

test(`hovering charts and their legends under the strict CSP (${CSP}) shows tooltips with no violation`, async () => {
  const context = await newContext();
  const problems = [];
  const figures = [];
  let violations = 0;
  let hovered = 0;
  let sample = '';
  try {
    for (const program of site.programsOf(site.newest).slice(0, 2)) {
      const rel = `${site.newest}/${program}/index.html`;
      const { page, log } = await visit(context, strict.url(rel), { prefix: strict.origin + '/' });
      problems.push(...problemsOf(rel, log));
      const ids = await page.locator('.chart-canvas').evaluateAll((cs) => cs.map((c) => c.id));
      // Every text the chart shows (SVG text and any HTML inside its box).
      const textsOf = (id) => page.evaluate((id) => {
        const box = document.getElementById(id);
        const svgTexts = [...box.querySelectorAll('svg text')].map((t) => t.textContent.trim());
        const html = [...box.querySelectorAll('div')].filter((d) => !d.querySelector('svg') && d.offsetParent !== null).map((d) => d.innerText.trim());
        return [...svgTexts, ...html].filter(Boolean);
      }, id);
      let tooltips = 0;
      const charted = ids.slice(0, 4);
      for (const id of charted) {
        const canvas = page.locator(`#${id}`);
        await canvas.scrollIntoViewIfNeeded();
        const box = await canvas.boundingBox();
        const before = await textsOf(id);
        // Across the plot area (the grid leaves 56 px left, 24 px right, 24 px
        // top, 56 px bottom), where the axis tooltip follows the pointer.
        const shown = new Set();
        for (const share of [0.1, 0.3, 0.5, 0.7, 0.9]) {
          const x = box.x + 56 + share * (box.width - 80);
          const y = box.y + 24 + 0.5 * (box.height - 80);
          await page.mouse.move(x, y, { steps: 4 });
          await page.waitForTimeout(120);
          const now = await textsOf(id);
          const left = [...before];
          const here = [];
          for (const text of now) {
            const at = left.indexOf(text);
            if (at === -1) {
              shown.add(text);
              here.push(text);
            } else left.splice(at, 1);
          }
          // Each series once in the tooltip ("name: value" lines).
          const names = here.filter((t) => t.includes(': ')).map((t) => t.slice(0, t.lastIndexOf(': ')));
          const twice = names.filter((n, i) => names.indexOf(n) !== i);
          if (twice.length) problems.push(`${rel} #${id}: the tooltip lists ${[...new Set(twice)].join(', ')} twice`);
        }
        // The legend at the bottom: hovering an entry highlights its series.
        for (const share of [0.3, 0.5, 0.7]) {
          await page.mouse.move(box.x + share * box.width, box.y + box.height - 10, { steps: 4 });
          await page.waitForTimeout(80);
        }
        await page.mouse.move(0, 0);
        hovered += 1;
        if (shown.size === 0) problems.push(`${rel} #${id}: hovering the plot showed no tooltip text`);
        else tooltips += 1;
        if (!sample && shown.size) sample = [...shown].slice(0, 4).join(' | ');
      }
      const csp = await page.evaluate(() => window.__cspViolations || []);
      violations += csp.length;
      const distinct = [...new Set(csp)];
      problems.push(...distinct.slice(0, 5).map((v) => `${rel}: CSP violation on hover (${csp.filter((x) => x === v).length}x): ${v}`));
      figures.push(`${program}: ${charted.length} charts hovered, ${tooltips} tooltips seen, ${csp.length} violations`);
      await page.close();
    }
    assert(hovered > 0, 'no chart hovered');
    expectNone(problems, `problems (${violations} CSP violations in all)`);
    return `${figures.join('; ')}; e.g. tooltip text "${sample}"`;
  } finally {
    await context.close();
  }
});

test('every change shows its arrow and tone colour on screen and on paper, and screen readers read its signed number, not the arrow', async () => {
  const targets = [`${site.newest}/index.html`, ...site.programsOf(site.newest).map((p) => `${site.newest}/${p}/index.html`)];
  const context = await newContext();
  const problems = [];
  const counts = { screen: 0, print: 0 };
  const colours = {};
  let read = 0;
  try {
    for (const rel of targets) {
      const { page } = await visit(context, plain.url(rel), { prefix: plain.origin + '/' });
      for (const media of ['screen', 'print']) {
        await page.emulateMedia({ media });
        const found = await page.evaluate(() => {
          const ARROWS = { up: '▲', down: '▼', flat: '◆' };
          // The sign a change's number starts with, by direction (a rise
          // of more than 999% reads as a factor, ×19).
          const SIGNS = { up: /^[+×]\d/, down: /^−\d/, flat: /^0[.,\d]*[^\d]*$/ };
          const out = { count: 0, problems: [], colours: {} };
          for (const el of document.querySelectorAll('.up, .down, .flat')) {
            if (!el.getClientRects().length) continue; // a closed table
            out.count += 1;
            const direction = Object.keys(ARROWS).find((d) => el.classList.contains(d));
            const tone = ['good', 'bad', 'neutral'].find((t) => el.classList.contains(t));
            const shown = (el.querySelector('[aria-hidden="true"]') || el).textContent.trim();
            const before = getComputedStyle(el, '::before');
            const where = `"${shown}" (${el.className})`;
            if (!before.content.startsWith(`"${ARROWS[direction]}`) || before.display === 'none') out.problems.push(`${where}: no ${ARROWS[direction]} drawn (content ${before.content}, display ${before.display})`);
            if (!SIGNS[direction].test(shown)) out.problems.push(`${where}: the number has not the sign of its direction`);
            if (/[▲▼◆]/.test(el.textContent)) out.problems.push(`${where}: the arrow is written in the page as well`);
            if (!tone) out.problems.push(`${where}: no tone class`);
            else (out.colours[tone] ||= new Set()).add(getComputedStyle(el).color);
          }
          for (const tone of Object.keys(out.colours)) out.colours[tone] = [...out.colours[tone]];
          return out;
        });
        counts[media] += found.count;
        problems.push(...found.problems.map((p) => `${rel} (${media}): ${p}`));
        for (const [tone, list] of Object.entries(found.colours)) for (const c of list) (colours[`${media} ${tone}`] ||= new Set()).add(c);
      }
      await page.emulateMedia({ media: 'screen' });
      // What screen readers get: Chromium's accessibility tree, where the
      // arrow's empty alternative text (`content: "▲ " / ""`) leaves it out.
      const cdp = await context.newCDPSession(page);
      const { nodes } = await cdp.send('Accessibility.getFullAXTree');
      await cdp.detach();
      const names = nodes.filter((n) => !n.ignored && n.name?.value).map((n) => n.name.value);
      const arrowed = names.filter((name) => /[▲▼◆]/.test(name));
      if (arrowed.length) problems.push(`${rel}: screen readers read an arrow's name: ${arrowed.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}`);
      const numbers = await page.evaluate(() => [...document.querySelectorAll('.up:not(:has([aria-hidden])), .down:not(:has([aria-hidden]))')].filter((el) => el.getClientRects().length).slice(0, 5).map((el) => el.textContent.trim()));
      for (const number of numbers) {
        if (names.some((name) => name.includes(number))) read += 1;
        else problems.push(`${rel}: "${number}" is not in the accessibility tree`);
      }
      await page.close();
    }
  } finally {
    await context.close();
  }
  for (const media of ['screen', 'print']) {
    const tones = ['good', 'bad', 'neutral'].map((tone) => [...(colours[`${media} ${tone}`] || [])]);
    if (tones.some((list) => list.length !== 1)) problems.push(`${media}: each tone should have one colour: ${JSON.stringify(tones)}`);
    else if (new Set(tones.flat()).size !== 3) problems.push(`${media}: the tones share a colour: ${tones.flat()}`);
  }
  expectNone(problems, 'problems with changes');
  assert(counts.screen > 0 && counts.print > 0, `no change found (${JSON.stringify(counts)})`);
  return `${targets.length} pages: ${counts.screen} changes on screen and ${counts.print} on paper, each with its arrow and a sign; good, bad and neutral in 3 colours; no arrow in the accessibility tree, ${read} numbers found in it`;
});

test('axe-core finds no serious or critical violation on week summaries and program decks', async () => {
  const targets = [`${site.newest}/index.html`, `${site.older}/index.html`, ...site.programsOf(site.newest).map((p) => `${site.newest}/${p}/index.html`)];
  const modes = [
    ['desktop light', { colorScheme: 'light' }],
    ['desktop dark', { colorScheme: 'dark' }],
    ['phone light', { colorScheme: 'light', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
  ];
  const problems = [];
  const other = new Map();
  let scans = 0;
  let version = '';
  for (const [mode, options] of modes) {
    const context = await newContext(options);
    try {
      for (const rel of targets) {
        const { page } = await visit(context, plain.url(rel), { prefix: plain.origin + '/' });
        await page.addScriptTag({ path: AXE });
        const result = await page.evaluate(async () => {
          const r = await window.axe.run(document, { resultTypes: ['violations'] });
          return {
            version: window.axe.version,
            violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(' '), why: v.nodes[0]?.any?.[0]?.message || v.nodes[0]?.all?.[0]?.message || '' })),
          };
        });
        version = result.version;
        scans += 1;
        for (const v of result.violations) {
          if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${rel} (${mode}): ${v.impact} ${v.id} on ${v.nodes} node(s), e.g. ${v.target}: ${v.help}. ${v.why}`);
          else other.set(`${v.impact} ${v.id}`, (other.get(`${v.impact} ${v.id}`) || 0) + v.nodes);
        }
        await page.close();
      }
    } finally {
      await context.close();
    }
  }
  expectNone(problems, 'serious or critical violations');
  const minor = [...other].map(([k, n]) => `${k} (${n} nodes)`).join(', ');
  return `axe-core ${version}: ${scans} scans (${targets.length} pages x ${modes.map((m) => m[0]).join(', ')}): 0 serious, 0 critical; minor/moderate: ${minor || 'none'}`;
}, { timeout: 400_000 });

// Paper sizes in CSS px (96 per inch) less 12 mm margins on every side.
const MM = 96 / 25.4;
const PAPERS = {
  A4: { width: Math.floor((210 - 24) * MM), height: Math.floor((297 - 24) * MM) },
  Letter: { width: Math.floor((215.9 - 24) * MM), height: Math.floor((279.4 - 24) * MM) },
};
const LAYOUT_MODES = [
  ['1400px', { viewport: { width: 1400, height: 900 } }],
  ['390px phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
  ['A4 print', { viewport: { width: 1400, height: 900 } }, PAPERS.A4],
  ['Letter print', { viewport: { width: 1400, height: 900 } }, PAPERS.Letter],
];
const LAYOUT_KINDS = [
  ['overlaps', 'chart texts overlapping'],
  ['textOut', 'chart texts leaving their chart'],
  ['chartOut', 'charts leaving their card'],
  ['cuts', 'elements cutting their content'],
  ['wide', 'elements wider than the page'],
];

/**
 * Lays `page` out as it prints on `paper`: the print media and the page's
 * own print handlers (beforeprint, matchMedia('print')), then the paper's
 * width — with the window's resize event held back, as a browser sends
 * none when it lays a page out on paper.
 */
async function layOutForPaper(page, paper) {
  await page.evaluate(() => {
    window.__printing = true;
    window.dispatchEvent(new Event('beforeprint'));
  });
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize(paper);
  await page.waitForTimeout(150);
}

test('layout at 1400 px, at 390 px and on A4 and Letter paper: no chart text overlaps or leaves its chart, no chart leaves its card, nothing cut or wider than the page', async () => {
  const targets = site.pages.filter((p) => p !== 'index.html' && p !== 'archive/index.html');
  const problems = [];
  const counts = [];
  for (const [mode, options, paper] of LAYOUT_MODES) {
    const context = await newContext(options);
    // Held back while a page is laid out for paper (see layOutForPaper).
    await context.addInitScript(() => {
      window.addEventListener('resize', (e) => { if (window.__printing) e.stopImmediatePropagation(); }, true);
    });
    const tally = Object.fromEntries(LAYOUT_KINDS.map(([k]) => [k, 0]));
    try {
      for (const rel of targets) {
        const { page, log } = await visit(context, plain.url(rel), { prefix: plain.origin + '/', settle: false });
        problems.push(...problemsOf(`${rel} ${mode}`, log));
        if (paper) await layOutForPaper(page, paper);
        const pageWidth = paper ? paper.width : options.viewport.width;
        const found = await page.evaluate(inspectLayout, { pageWidth });
        for (const [kind] of LAYOUT_KINDS) {
          tally[kind] += found[kind].length;
          problems.push(...found[kind].map((x) => `${rel} ${mode}: ${x}`));
        }
        await page.close();
      }
    } finally {
      await context.close();
    }
    counts.push(`${mode}: ${LAYOUT_KINDS.map(([k]) => `${tally[k]} ${k}`).join(', ')}`);
  }
  console.log(`       layout counts on ${targets.length} pages:\n         ${counts.join('\n         ')}`);
  expectNone(problems, 'layout problems', 25);
  return `${targets.length} pages (summaries and decks of ${site.newest} and ${site.older}) in ${LAYOUT_MODES.length} layouts: ${counts.join('; ')}`;
}, { timeout: 400_000 });

test('the chart of a metric has the same axis layout in every version', async () => {
  const context = await newContext();
  const problems = [];
  const seen = new Map(); // program/chart → [version, layout]
  let compared = 0;
  try {
    for (const version of site.versions.map((v) => v.id)) {
      for (const program of site.programsOf(version)) {
        const rel = `${version}/${program}/index.html`;
        const { page } = await visit(context, plain.url(rel), { prefix: plain.origin + '/', settle: false });
        const layouts = await page.evaluate(chartLayouts);
        for (const [anchor, layout] of Object.entries(layouts)) {
          const key = `${program}#${anchor}`;
          if (!seen.has(key)) seen.set(key, [version, layout]);
          else {
            compared += 1;
            const [first, firstLayout] = seen.get(key);
            if (firstLayout !== layout) problems.push(`${key}: ${first} ${firstLayout} but ${version} ${layout}`);
          }
        }
        await page.close();
      }
    }
    console.log(`       ${problems.length} of ${compared} charts change axis layout between versions`);
    expectNone(problems, 'charts whose axes change between versions');
    return `${seen.size} charts in ${site.versions.length} versions, ${compared} comparisons: same axes in every version`;
  } finally {
    await context.close();
  }
});

test('printing each program deck to PDF splits no deck block across pages', async () => {
  const context = await newContext();
  const problems = [];
  const figures = [];
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  try {
    for (const program of site.programsOf(site.newest)) {
      const rel = `${site.newest}/${program}/index.html`;
      const { page } = await visit(context, plain.url(rel), { prefix: plain.origin + '/' });
      // A 1x1 link at the top and at the bottom of every block: Chromium
      // writes each as a link annotation on the PDF page where it lands.
      const blocks = await page.evaluate(() => {
        const all = [...document.querySelectorAll('.deck-block')];
        all.forEach((block, i) => {
          if (getComputedStyle(block).position === 'static') block.style.position = 'relative';
          for (const edge of ['top', 'bottom']) {
            const a = document.createElement('a');
            a.href = `https://print-marker.invalid/${i}/${edge}`;
            a.setAttribute('aria-hidden', 'true');
            a.textContent = '.';
            a.style.cssText = `position:absolute;left:0;${edge}:0;width:1px;height:1px;overflow:hidden;font-size:1px;line-height:1px;color:transparent`;
            block.appendChild(a);
          }
        });
        return all.length;
      });
      for (const format of ['A4', 'Letter']) {
        await page.emulateMedia({ media: 'print' });
        const pdf = await page.pdf({ format, margin: { top: '12mm', bottom: '12mm', left: '12mm', right: '12mm' }, printBackground: true });
        if (format === 'A4') fs.writeFileSync(path.join(ARTIFACTS, `print-${site.newest}-${program}.pdf`), pdf);
        const { pages, links } = linkPages(pdf);
        const where = new Map(links.filter((l) => l.uri.startsWith('https://print-marker.invalid/')).map((l) => [l.uri.slice(29), l.page]));
        let split = 0;
        for (let i = 0; i < blocks; i += 1) {
          const top = where.get(`${i}/top`);
          const bottom = where.get(`${i}/bottom`);
          if (top === undefined || bottom === undefined) problems.push(`${rel} ${format}: block ${i} is missing from the PDF`);
          else if (top !== bottom) {
            split += 1;
            const title = await page.evaluate((n) => document.querySelectorAll('.deck-block')[n].querySelector('h3')?.textContent.trim() || `#${n}`, i);
            problems.push(`${rel} ${format}: block "${title}" runs from page ${top + 1} to page ${bottom + 1}`);
          }
        }
        if (format === 'A4') figures.push(`${program} ${blocks} blocks on ${pages} pages`);
        assert(pages >= 1, 'empty PDF');
        void split;
      }
      await page.close();
    }
    expectNone(problems, 'split blocks');
    return `A4 and Letter, 12 mm margins: ${figures.join('; ')}; no block split`;
  } finally {
    await context.close();
  }
});

test('screenshots of a week summary and a program deck at desktop and phone widths; no page scrolls sideways on a phone', async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const program = site.programsOf(site.newest)[0];
  const shots = new Map([
    [`${site.newest}/index.html`, 'week-summary'],
    [`${site.newest}/${program}/index.html`, 'program-deck'],
  ]);
  const sizes = [
    ['desktop', { viewport: { width: 1280, height: 800 } }],
    ['phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
  ];
  const written = [];
  const problems = [];
  let checked = 0;
  for (const [size, options] of sizes) {
    const context = await newContext(options);
    try {
      // On a phone every page is checked for sideways scrolling; on both
      // sizes the two chosen pages are photographed.
      const pages = size === 'phone' ? site.pages.filter((p) => p !== 'index.html') : [...shots.keys()];
      for (const rel of pages) {
        const { page, log } = await visit(context, plain.url(rel), { prefix: plain.origin + '/' });
        problems.push(...problemsOf(`${rel} ${size}`, log));
        const overflow = await page.evaluate(() => {
          const width = document.documentElement.clientWidth;
          const extra = document.documentElement.scrollWidth - width;
          if (extra <= 1) return null;
          const culprit = [...document.querySelectorAll('body *')].find(
            (el) => el.getBoundingClientRect().right > width + 1 && el.parentElement.getBoundingClientRect().right <= width + 1 && getComputedStyle(el.parentElement).overflowX === 'visible',
          );
          return `${extra}px${culprit ? `, first by ${culprit.tagName.toLowerCase()}${culprit.className ? '.' + String(culprit.className).split(' ').join('.') : ''}` : ''}`;
        });
        if (size === 'phone') checked += 1;
        if (size === 'phone' && overflow) problems.push(`${rel} scrolls sideways on a 390px phone by ${overflow}`);
        if (shots.has(rel)) {
          const file = path.join(ARTIFACTS, `${shots.get(rel)}-${size}.png`);
          await page.screenshot({ path: file, fullPage: true });
          const bytes = fs.statSync(file).size;
          assert(bytes > 10_000, `${file} is only ${bytes} bytes`);
          written.push(`${path.basename(file)} ${Math.round(bytes / 1024)} KB`);
        }
        await page.close();
      }
    } finally {
      await context.close();
    }
  }
  expectNone(problems, 'problems');
  return `${path.relative(REPO, ARTIFACTS) || ARTIFACTS}/: ${written.join(', ')}; ${checked} pages fit a 390px phone without sideways scrolling`;
});

// ------------------------------------------------------------------- run

let outcome = { passed: 0, failed: 1 };
try {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  site = readSite();
  plain = await serve(SITE);
  strict = await serve(SITE, { csp: CSP });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS, timeout: 60_000 });
  console.log(`browser tests: ${path.relative(REPO, SITE) || SITE} in ${CHROMIUM} (${browser.version()}), served at ${plain.origin} and ${strict.origin} (CSP)`);
  outcome = await runAll({ only: process.env.BROWSER_TESTS_ONLY });
} catch (error) {
  console.log(`browser tests could not run: ${error.message}`);
} finally {
  await browser?.close().catch(() => {});
  await plain?.close();
  await strict?.close();
}
console.log(`browser tests took ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${outcome.passed} passed, ${outcome.failed} failed`);
process.exit(outcome.failed > 0 ? 1 : 0);
