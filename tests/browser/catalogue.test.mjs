// Browser tests of the catalogue page: playwright-core drives the system's Chromium (headless, never a downloaded
// browser) against a running registry loaded with the sample catalogue (db/seed/catalogue.json).
//
//   REGISTRY_BASE_URL     the service, e.g. http://127.0.0.1:5080/
//   REGISTRY_EU_TOKEN     a token of an EU consumer (community EU, clearance NS)
//   REGISTRY_NATO_TOKEN   a token of a NATO reader (community NATO, clearance NS)
//   REGISTRY_INDUSTRY_TOKEN a token of an industry reader (community INDUSTRY, clearance NR)
//   SCREENSHOT_DIR        where the screenshots go (default: ./screenshots)
//   CHROMIUM_PATH         the browser (default: /usr/bin/chromium)
//
// Exit code 0 when every check passed; otherwise 1, with what failed (and a screenshot of the page at that moment).
// Run by tests/StandardsRegistry.Api.Tests/BrowserTests.cs, which starts the service and mints the tokens.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const baseUrl = new URL(required('REGISTRY_BASE_URL'));
const euToken = required('REGISTRY_EU_TOKEN');
const natoToken = required('REGISTRY_NATO_TOKEN');
const industryToken = required('REGISTRY_INDUSTRY_TOKEN');
const screenshots = resolve(process.env.SCREENSHOT_DIR ?? 'screenshots');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set.`);
    process.exit(2);
  }
  return value;
}

mkdirSync(screenshots, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'registry-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// Nothing may load from anywhere but the registry: other origins are refused and recorded.
const foreignRequests = [];
const pageErrors = [];
await context.route('**/*', (route) => {
  const url = new URL(route.request().url());
  if (url.origin !== baseUrl.origin && url.protocol !== 'data:') {
    foreignRequests.push(url.href);
    return route.abort();
  }
  return route.continue();
});

const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(10_000);
// Every tab's errors are recorded.
function watchErrors(tab) {
  tab.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  tab.on('console', (message) => {
    // A 404 for a hidden edition is expected (the page asks, the API answers "no such version"); anything else is not.
    if (message.type() === 'error' && !/status of 404/.test(message.text())) {
      pageErrors.push(`console error: ${message.text()}`);
    }
  });
}
watchErrors(page);

const results = [];
let failed = false;
let shots = 0;

async function check(name, body) {
  try {
    await body();
    results.push(`ok - ${name}`);
    console.log(`ok - ${name}`);
  } catch (error) {
    failed = true;
    console.log(`not ok - ${name}`);
    console.log(indent(error.stack ?? String(error)));
    await shot(`failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
  }
}

function indent(text) {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}

async function shot(name) {
  const path = join(screenshots, `${String(++shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

const url = (hash = '') => new URL(`/${hash}`, baseUrl).href;
const bodyText = () => page.locator('body').innerText();
const resultKeys = () => page.locator('[data-testid="result"]').evaluateAll((items) => items.map((i) => i.dataset.key));
const tableItems = () => page.locator('[data-testid="table-item"]').evaluateAll((items) => items.map((i) => `${i.dataset.cycle}/${i.dataset.audience}`));
const historyEditions = () => page.locator('[data-testid="history-item"]').evaluateAll((items) => items.map((i) => Number(i.dataset.edition)));

// Whether the page has drawn a detail view started after view number `after` (the page numbers its detail views and
// searches: data-started and data-done on #detail and #results-status) and no search of the result list is in flight.
// Evaluated in the page.
const drawnAfter = (after) => {
  const detail = document.getElementById('detail').dataset;
  const search = document.getElementById('results-status').dataset;
  return Number(detail.started ?? 0) > after && detail.done === detail.started && search.done === search.started;
};

// Runs an action that changes what the page shows without loading it again (a link, a form, an address with another
// hash, a token) and waits until the page has drawn it. Waiting for an element, or for the status line to stop saying
// "Searching…", raced the page: a hash change is handled after the click returns, and until then the previous view's
// elements were read as the answer.
async function navigate(action) {
  const before = await page.evaluate(() => Number(document.getElementById('detail').dataset.started ?? 0));
  await action();
  await page.waitForFunction(drawnAfter, before);
}

// After the page is loaded afresh (its views numbered from 1 again): waits until its first views are drawn.
async function loaded() {
  await page.waitForFunction(drawnAfter, 0);
}

async function searchFor(text) {
  await navigate(async () => {
    await page.fill('#q', text);
    await page.click('#search-form button[type="submit"]');
  });
}

async function openResult(key) {
  await navigate(() => page.click(`[data-testid="result"][data-key="${key}"] a`));
  await page.waitForSelector('[data-testid="banner-bottom"]');
}

const bandKeys = () => page.locator('[data-testid="band-range"]').evaluateAll((bands) => bands.map((b) => b.dataset.key));
const bandResults = () => page.locator('[data-testid="band-result"]').evaluateAll((items) => items.map((i) => i.dataset.key));

async function searchBands(from, to) {
  await page.fill('#band-from', from);
  await page.fill('#band-to', to);
  await navigate(() => page.click('#band-form button[type="submit"]'));
  await page.waitForSelector('[data-testid="bands-status"]');
}

async function useToken(token) {
  await navigate(async () => {
    await page.fill('#token', token);
    await page.click('#token-use');
  });
}

try {
  // ---- anonymous (PUBLIC) ----

  await check('the page loads anonymously and lists the public catalogue', async () => {
    const response = await page.goto(url());
    await loaded();
    assert.equal(response.status(), 200);
    await page.waitForSelector('[data-testid="result"]');
    assert.match(await page.textContent('[data-testid="identity"]'), /PUBLIC/);
    const keys = await resultKeys();
    assert.ok(keys.includes('stanag-4172'), `public results: ${keys}`);
    // NATO RESTRICTED and above are never public.
    assert.ok(!keys.includes('nato-band-vhf-1'), `public results: ${keys}`);
    assert.ok(!keys.includes('stanag-5518'), `public results: ${keys}`);
    await shot('anonymous-catalogue');
  });

  await check('an anonymous reader is shown no capability table, nor a trace of one', async () => {
    assert.equal(await page.locator('[data-testid="tables"]').isHidden(), true);
    assert.deepEqual(await tableItems(), []);
    assert.doesNotMatch(await bodyText(), /capability|INDUSTRY/i);
  });

  await check('an anonymous search finds the HF band, and its page shows the band on a frequency axis between two banners', async () => {
    await searchFor('HF');
    const keys = await resultKeys();
    assert.deepEqual(keys.sort(), ['nato-band-hf-1', 'stanag-5066']);
    await openResult('nato-band-hf-1');
    assert.equal(await page.textContent('[data-testid="banner-top"]'), 'NATO UNCLASSIFIED');
    assert.equal(await page.textContent('[data-testid="banner-bottom"]'), 'NATO UNCLASSIFIED');
    await page.waitForSelector('[data-testid="band-figure"] [data-testid="band-range"]');
    const figure = await page.textContent('[data-testid="band-figure"]');
    assert.match(figure, /3 MHz – 30 MHz/);
    assert.match(figure, /HF/);
    assert.equal(await page.textContent('[data-testid="releasable-to"]'), 'PUBLIC');
    assert.deepEqual(await historyEditions(), [1, 2]);
    await shot('anonymous-hf-band');
  });

  await check('an anonymous reader sees only the public edition of STANAG 2310', async () => {
    await navigate(() => page.goto(url('#/standards/stanag-2310')));
    await page.waitForSelector('[data-testid="banner-bottom"]');
    assert.deepEqual(await historyEditions(), [1]);
    assert.equal(await page.textContent('[data-testid="banner-top"]'), 'NATO UNCLASSIFIED');
    const text = await page.locator('[data-testid="detail"]').innerText();
    assert.doesNotMatch(text, /edition [23]/i);
    assert.doesNotMatch(text, /NATO RESTRICTED|NATO CONFIDENTIAL/);
  });

  // ---- an EU consumer (EU, NATO SECRET) ----

  await check('an EU consumer finds STANAG 2310 with edition 2 as its current edition', async () => {
    await page.goto(url());
    await loaded();
    await page.waitForSelector('[data-testid="result"]');
    await useToken(euToken);
    assert.match(await page.textContent('[data-testid="identity"]'), /community EU/);
    await searchFor('7.62');
    assert.deepEqual(await resultKeys(), ['stanag-2310']);
    const item = await page.textContent('[data-testid="result"][data-key="stanag-2310"]');
    assert.match(item, /current edition 2 · 2 editions/);
    await shot('eu-search-7.62');
  });

  await check('the EU consumer\'s page of STANAG 2310 shows edition 2 as current, marked in both schemes top and bottom', async () => {
    await openResult('stanag-2310');
    const marking = 'NATO RESTRICTED / RESTREINT UE/EU RESTRICTED';
    assert.equal(await page.textContent('[data-testid="banner-top"]'), marking);
    assert.equal(await page.textContent('[data-testid="banner-bottom"]'), marking);
    assert.equal(await page.textContent('[data-testid="version-title"]'), '7.62 mm ammunition, edition 2');
    assert.equal(await page.textContent('[data-testid="status"]'), 'published');
    assert.equal(await page.textContent('[data-testid="current"]'), 'current edition');
    assert.deepEqual(await historyEditions(), [1, 2]);
    assert.equal(await page.textContent('[data-testid="releasable-to"]'), 'EU');
    const figure = await page.textContent('[data-testid="caliber-figure"]');
    assert.match(figure, /case length 51\.18 mm/);
    assert.match(figure, /Ø 7\.62 mm/);
    await page.click('[data-testid="label"] button');
    await page.waitForSelector('[data-testid="label-xml"]:not([hidden])');
    const xml = await page.textContent('[data-testid="label-xml"]');
    assert.match(xml, /urn:nato:stanag:4774:confidentialitymetadatalabel:1:0/);
    assert.match(xml, /<slab:Classification>RESTREINT UE\/EU RESTRICTED<\/slab:Classification>/);
    assert.doesNotMatch(xml, /PUBLIC/);
    await shot('eu-stanag-2310');
  });

  await check('edition 3 of STANAG 2310 (published, not released to the EU) appears nowhere on the EU consumer\'s page', async () => {
    const text = await bodyText();
    assert.doesNotMatch(text, /edition 3/i);
    assert.doesNotMatch(text, /NATO CONFIDENTIAL|CONFIDENTIEL UE/);
    assert.match(await page.textContent('[data-testid="history-item"][data-edition="2"]'), /published\s*current/);
    assert.equal(await page.locator('a[href*="/versions/3"]').count(), 0);
    const html = await page.content();
    assert.doesNotMatch(html, /edition 3|additional illustrative annexes/i);
  });

  await check('asking for edition 3 directly shows the EU consumer the same "no such version" as for one that never existed', async () => {
    await navigate(() => page.goto(url('#/standards/stanag-2310/versions/3')));
    await page.waitForSelector('[data-testid="not-found"]');
    const hidden = await page.textContent('[data-testid="not-found"]');
    await navigate(() => page.goto(url('#/standards/stanag-2310/versions/99')));
    await page.waitForSelector('[data-testid="not-found"]');
    assert.equal(await page.textContent('[data-testid="not-found"]'), hidden);
    assert.equal(hidden, 'No such standard or version.');
    assert.doesNotMatch(await bodyText(), /edition 3|NATO CONFIDENTIAL/i);
    await shot('eu-stanag-2310-edition-3');
  });

  await check('the EU consumer sees the national responses released to the EU on edition 2, and no trace of the others', async () => {
    await navigate(() => page.goto(url('#/standards/stanag-2310/versions/2')));
    await page.waitForSelector('[data-testid="responses"]');
    const nations = await page.locator('[data-testid="response"]').evaluateAll((rows) => rows.map((r) => r.dataset.nation));
    assert.deepEqual(nations, ['DEU', 'FRA']);
    assert.match(await page.textContent('[data-testid="response"][data-nation="FRA"]'), /hot-climate testing/);
    const html = await page.content();
    // The United States' reservation (NATO CONFIDENTIAL, unreleased) and Poland's response (unreleased) leave no trace.
    assert.doesNotMatch(html, /USA|POL|held at NATO CONFIDENTIAL/);
    await shot('eu-stanag-2310-responses');
  });

  await check('the EU consumer sees relations to documents it may see, and none to a hidden one', async () => {
    await navigate(() => page.goto(url('#/standards/stanag-5066')));
    await page.waitForSelector('[data-testid="relations"]');
    const related = await page.locator('[data-testid="related"]').evaluateAll((links) => links.map((a) => a.dataset.key));
    assert.deepEqual(related, ['acomp-5066', 'nato-band-hf-1']);
    assert.equal(await page.textContent('[data-testid="equivalent"]'), 'ITU R F.1110-3');
    // STANAG 5518 (NATO SECRET, released to no one) references STANAG 5516: the EU page of 5516 shows no such link.
    await navigate(() => page.goto(url('#/standards/stanag-5516')));
    await page.waitForSelector('[data-testid="relations"]');
    assert.equal(await page.locator('[data-testid="related"]').count(), 0);
    assert.doesNotMatch(await page.content(), /stanag-5518|STANAG 5518|JREAP/);
  });

  await check('searching for the title of edition 3 finds nothing for the EU consumer', async () => {
    await navigate(() => page.goto(url('#/')));
    await page.waitForSelector('[data-testid="result"]');
    await searchFor('7.62 mm ammunition, edition 3');
    assert.deepEqual(await resultKeys(), []);
    assert.equal(await page.textContent('[data-testid="results-status"]'), 'No standard you may see matches.');
    await searchFor('annexes');
    assert.deepEqual(await resultKeys(), []);
  });

  await check('the EU consumer\'s frequency search draws the bands it may see overlapping 225–400 MHz on the band axis, and no trace of the hidden one', async () => {
    await navigate(() => page.goto(url('#/')));
    await page.waitForSelector('[data-testid="result"]');
    await searchBands('225', '400');
    assert.equal(await page.textContent('[data-testid="bands-title"]'), 'Bands overlapping 225 MHz – 400 MHz');
    assert.deepEqual(await bandResults(), ['nato-band-uhf-1']);
    assert.deepEqual(await bandKeys(), ['nato-band-uhf-1']);
    assert.equal(await page.locator('[data-testid="searched-range"]').count(), 1);
    assert.match(await page.textContent('[data-testid="band-figure"]'), /NATO BAND UHF-1: 225 MHz – 400 MHz/);
    // The UHF SATCOM band (NATO SECRET, released to no one) overlaps the range: nothing of it is on the page.
    const html = await page.content();
    assert.doesNotMatch(html, /satcom|240 MHz|320 MHz/i);
    await shot('eu-bands-225-400');
    // One frequency: the bands covering it.
    await searchBands('300', '');
    assert.equal(await page.textContent('[data-testid="bands-title"]'), 'Bands covering 300 MHz');
    assert.deepEqual(await bandKeys(), ['nato-band-uhf-1']);
    assert.doesNotMatch(await page.content(), /satcom|240 MHz|320 MHz/i);
    // Nothing the EU consumer may see lies there; the answer says so and draws nothing.
    await searchBands('10000', '20000');
    assert.equal(await page.textContent('[data-testid="bands-status"]'), 'No band you may see matches.');
    assert.equal(await page.locator('[data-testid="band-figure"]').count(), 0);
  });

  await check('the EU consumer is shown no capability table, and the industry table reads as one never published', async () => {
    await navigate(() => page.goto(url('#/')));
    await page.waitForSelector('[data-testid="result"]');
    assert.equal(await page.locator('[data-testid="tables"]').isHidden(), true);
    assert.deepEqual(await tableItems(), []);
    assert.doesNotMatch(await bodyText(), /capability|INDUSTRY/i);
    await navigate(() => page.goto(url('#/capability-tables/2025/INDUSTRY')));
    await page.waitForSelector('[data-testid="not-found"]');
    const hidden = await page.locator('[data-testid="detail"]').innerHTML();
    await navigate(() => page.goto(url('#/capability-tables/2031/INDUSTRY')));
    await page.waitForSelector('[data-testid="not-found"]');
    assert.equal(await page.locator('[data-testid="detail"]').innerHTML(), hidden);
    assert.equal(await page.textContent('[data-testid="not-found"]'), 'No such table.');
    assert.equal(await page.locator('[data-testid="cell"], [data-testid="banner-top"]').count(), 0);
  });

  // ---- an industry reader (INDUSTRY, NATO RESTRICTED): its published table ----

  await check('an industry reader is shown the table published to it, suppressed cells marked and shown cells valued', async () => {
    await navigate(() => page.goto(url('#/')));
    await page.waitForSelector('[data-testid="result"]');
    await useToken(industryToken);
    assert.match(await page.textContent('[data-testid="identity"]'), /community INDUSTRY/);
    await page.waitForSelector('[data-testid="table-item"]');
    assert.deepEqual(await tableItems(), ['2025/INDUSTRY']);
    await page.click('[data-testid="table-item"] a');
    await page.waitForSelector('[data-testid="capability-table"]');
    assert.equal(await page.textContent('[data-testid="banner-top"]'), 'NATO RESTRICTED');
    assert.equal(await page.textContent('[data-testid="banner-bottom"]'), 'NATO RESTRICTED');
    const cells = await page.locator('[data-testid="cell"]').evaluateAll((tds) => tds.map((td) => ({
      key: `${td.dataset.row}/${td.dataset.column}`, suppressed: td.dataset.suppressed === 'true', text: td.textContent,
    })));
    const api = await page.evaluate(async (token) => (await fetch('/v1/capability-tables/2025/INDUSTRY', { headers: { Authorization: `Bearer ${token}` } })).json(), industryToken);
    // Every cell of the table is on the page, suppressed or not, and a suppressed one shows no figure.
    assert.equal(cells.length, api.cells.length);
    for (const cell of api.cells) {
      const shown = cells.find((c) => c.key === `${cell.row}/${cell.column}`);
      assert.ok(shown, `${cell.row}/${cell.column} is on the page`);
      assert.equal(shown.suppressed, cell.suppressed);
      assert.equal(shown.text, cell.suppressed ? 'suppressed' : cell.value.toLocaleString('en'));
    }
    assert.ok(cells.some((c) => c.suppressed) && cells.some((c) => !c.suppressed));
    assert.equal(cells.find((c) => c.key === 'radio-vhf/2027').text, '10,200');
    assert.equal(cells.find((c) => c.key === 'ammo-120mm/2027').text, 'suppressed');
    assert.match(await page.textContent('[data-testid="suppression-note"]'), /marked, not left out/);
    assert.equal(await page.textContent('[data-testid="releasable-to"]'), 'INDUSTRY');
    await shot('industry-capability-table');
  });

  // ---- a NATO reader: the control that edition 3 is there to be hidden ----

  await check('a NATO reader sees edition 3 of STANAG 2310 as current and edition 2 as superseded', async () => {
    await useToken(natoToken);
    assert.match(await page.textContent('[data-testid="identity"]'), /community NATO/);
    await navigate(() => page.goto(url('#/standards/stanag-2310')));
    await page.waitForSelector('[data-testid="banner-bottom"]');
    assert.equal(await page.textContent('[data-testid="banner-top"]'), 'NATO CONFIDENTIAL');
    assert.equal(await page.textContent('[data-testid="version-title"]'), '7.62 mm ammunition, edition 3');
    assert.deepEqual(await historyEditions(), [1, 2, 3]);
    assert.match(await page.textContent('[data-testid="history-item"][data-edition="2"]'), /superseded/);
    // Edition 3 is released to no one: the label names no audience.
    assert.equal(await page.locator('[data-testid="releasable-to"]').count(), 0);
    // The control for the hidden link: the NATO reader sees STANAG 5518's reference to STANAG 5516.
    await navigate(() => page.goto(url('#/standards/stanag-5516')));
    await page.waitForSelector('[data-testid="relations"]');
    assert.deepEqual(await page.locator('[data-testid="related"]').evaluateAll((links) => links.map((a) => a.dataset.key)), ['stanag-5518']);
    await navigate(() => page.goto(url('#/standards/stanag-2310')));
    await page.waitForSelector('[data-testid="banner-bottom"]');
    await shot('nato-stanag-2310');
  });

  await check('a NATO reader\'s frequency search draws both UHF bands, one lane each (the control for the hidden one)', async () => {
    await navigate(() => page.goto(url('#/bands?covers=300')));
    await page.waitForSelector('[data-testid="bands-status"]');
    assert.deepEqual(await bandResults(), ['nato-band-uhf-1', 'nato-band-uhf-satcom']);
    assert.deepEqual(await bandKeys(), ['nato-band-uhf-1', 'nato-band-uhf-satcom']);
    assert.match(await page.textContent('[data-testid="band-figure"]'), /NATO BAND UHF-SATCOM: 240 MHz – 320 MHz/);
    await shot('nato-bands-covering-300');
    await navigate(() => page.goto(url('#/standards/stanag-2310')));
    await page.waitForSelector('[data-testid="banner-bottom"]');
  });

  await check('a reader who takes another token is shown nothing of what the previous one saw, the tab\'s title included', async () => {
    // The NATO reader opens STANAG 5518 (NATO SECRET, released to no one); the next reader of the tab, an EU consumer,
    // is answered "no such standard" for it, and the tab's title named it still: "STANAG 5518 edition 1 — …".
    await navigate(() => page.goto(url('#/standards/stanag-5518')));
    await page.waitForSelector('[data-testid="banner-bottom"]');
    assert.match(await page.title(), /STANAG 5518/);
    await useToken(euToken);
    await page.waitForSelector('[data-testid="not-found"]');
    assert.equal(await page.textContent('[data-testid="not-found"]'), 'No such standard or version.');
    assert.doesNotMatch(await page.title(), /5518|JREAP/);
    assert.doesNotMatch(await page.content(), /5518|JREAP/);
    // Likewise a capability table: the industry reader's, then the EU consumer's view of the same address.
    await useToken(industryToken);
    await navigate(() => page.goto(url('#/capability-tables/2025/INDUSTRY')));
    await page.waitForSelector('[data-testid="capability-table"]');
    assert.match(await page.title(), /Capability targets 2025 for INDUSTRY/);
    await useToken(euToken);
    await page.waitForSelector('[data-testid="not-found"]');
    assert.equal(await page.textContent('[data-testid="not-found"]'), 'No such table.');
    assert.doesNotMatch(await page.title(), /capability|INDUSTRY/i);
    // The next checks read as the NATO reader, from its page of STANAG 2310.
    await useToken(natoToken);
    await navigate(() => page.goto(url('#/standards/stanag-2310')));
    await page.waitForSelector('[data-testid="banner-bottom"]');
  });

  await check('a link with a dot segment asks the API for its own route only, never another the browser resolves it to', async () => {
    // The page builds an API path from the link's parts, each encoded; but encoding leaves a `..` or `.` part as it is, and
    // the browser resolves it: `#/capability-tables/../export` asked GET /v1/export with the reader's token (the whole
    // catalogue at the reader's clearance, streamed to a tab that drew "No such table", and recorded in the audit trail
    // as the reader's export), `../feed` and `../audit` (for an admin) likewise, and `…/versions/..` the standard itself.
    const asked = [];
    const record = (request) => {
      const path = new URL(request.url()).pathname;
      // The result list and the table list (drawn again when the page is loaded afresh) are not the link's.
      if (path.startsWith('/v1/') && path !== '/v1/standards' && path !== '/v1/capability-tables') {
        asked.push(path);
      }
    };
    page.on('request', record);
    try {
      for (const [link, own, absent] of [
        ['#/capability-tables/../export', /^\/v1\/capability-tables\/[^/]+\/[^/]+(\/label)?$/, 'No such table.'],
        ['#/capability-tables/../feed', /^\/v1\/capability-tables\/[^/]+\/[^/]+(\/label)?$/, 'No such table.'],
        ['#/capability-tables/%2e%2e/responses', /^\/v1\/capability-tables\/[^/]+\/[^/]+(\/label)?$/, 'No such table.'],
        ['#/standards/stanag-2310/versions/..', /^\/v1\/standards\/[^/]+(\/versions(\/[^/]+(\/label|\/responses)?)?|\/relations)?$/, 'No such standard or version.'],
      ]) {
        asked.length = 0;
        await navigate(() => page.goto(url(link)));
        await page.waitForSelector('[data-testid="not-found"]');
        assert.equal(await page.textContent('[data-testid="not-found"]'), absent, link);
        assert.deepEqual(asked.filter((path) => !own.test(path)), [], `${link} asked ${asked.join(', ')}`);
      }
    } finally {
      page.off('request', record);
      // The next check starts from the NATO reader's page of STANAG 2310.
      await navigate(() => page.goto(url('#/standards/stanag-2310')));
      await page.waitForSelector('[data-testid="banner-bottom"]');
    }
  });

  await check('reading as PUBLIC again forgets the token', async () => {
    await page.click('#token-clear');
    await page.waitForSelector('[data-testid="banner-bottom"]');
    assert.match(await page.textContent('[data-testid="identity"]'), /PUBLIC/);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal(await page.textContent('[data-testid="banner-top"]'), 'NATO UNCLASSIFIED');
  });

  await check('a link to a frequency search from the smallest positive number draws the public bands on a finite axis and leaves the page responsive', async () => {
    // 5e-324 MHz is positive and finite, so the page and the API take it (and an editor may give it to a band's
    // lowMHz): the axis starts a decade below it, at 10 ** -324, which is 0. The figure is drawn in a tab of its own
    // (reading as PUBLIC: a new tab has no token), so a tab that hangs leaves the other checks their page.
    const tab = await context.newPage();
    watchErrors(tab);
    tab.setDefaultTimeout(10_000);
    // A page whose script never ends does not answer Playwright either: its calls wait, whatever their timeout.
    let deadline;
    const hung = new Promise((_, reject) => {
      deadline = setTimeout(() => reject(new Error('the page did not answer within 20 s: its script is still running')), 20_000);
    });
    const draw = async () => {
      await tab.goto(url('#/bands?overlaps=5e-324,10'));
      await tab.waitForFunction(drawnAfter, 0);
      const keys = await tab.locator('[data-testid="band-range"]').evaluateAll((bands) => bands.map((b) => b.dataset.key));
      assert.ok(keys.includes('nato-band-hf-1'), `bands drawn: ${keys}`);
      assert.match(await tab.textContent('[data-testid="band-figure"]'), /3 MHz – 30 MHz/);
      // Every coordinate of the figure is a number: a tick at 10 ** -324 = 0 MHz would be placed at -Infinity.
      const coordinates = await tab.locator('[data-testid="band-figure"] [x], [data-testid="band-figure"] [x1]')
        .evaluateAll((shapes) => shapes.flatMap((s) => ['x', 'x1', 'x2', 'width'].map((a) => s.getAttribute(a)).filter((v) => v !== null)));
      assert.deepEqual(coordinates.filter((v) => !Number.isFinite(Number(v))), []);
    };
    const drawing = draw();
    // Left to settle by itself when the deadline came first (the context's close ends it).
    drawing.catch(() => {});
    try {
      await Promise.race([drawing, hung]);
      await tab.close();
    } finally {
      clearTimeout(deadline);
    }
  });

  // ---- Swagger UI, under the same Content-Security-Policy as the catalogue page ----

  await check('Swagger UI draws every operation and an operation\'s details under its Content-Security-Policy, which refuses nothing it needs', async () => {
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const response = await page.goto(new URL('/swagger', baseUrl).href);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    await page.waitForSelector('.swagger-ui .opblock');
    const operations = await page.locator('.swagger-ui .opblock').count();
    assert.ok(operations >= 40, `${operations} operations drawn`);
    await page.click('.swagger-ui .opblock-get .opblock-summary');
    await page.waitForSelector('.swagger-ui .opblock-body .responses-wrapper');
    assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
    await shot('swagger-ui');
  });

  await check('nothing was loaded from another origin and the page raised no errors', async () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(pageErrors, []);
  });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

console.log(`${results.length} passed${failed ? ', some failed' : ''}; screenshots in ${screenshots}`);
process.exit(failed ? 1 : 0);
