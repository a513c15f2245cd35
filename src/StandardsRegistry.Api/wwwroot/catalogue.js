// The catalogue page. It holds no data of its own: every fact on it comes from the /v1 API, called with the
// caller's token (or none, reading as PUBLIC), so it shows exactly what the release rule lets that caller see.
// All text from the API is put on the page as text (textContent, text nodes, attribute values), never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'standards-registry.token';
  const PAGE_SIZE = 20;
  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers: elements with text children only ----

  function el(tag, attributes, ...children) {
    const element = document.createElement(tag);
    setAttributes(element, attributes);
    append(element, children);
    return element;
  }

  function svg(tag, attributes, ...children) {
    const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
    setAttributes(element, attributes);
    append(element, children);
    return element;
  }

  function setAttributes(element, attributes) {
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value !== undefined && value !== null && value !== false) {
        element.setAttribute(name, String(value));
      }
    }
  }

  function append(element, children) {
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) {
        continue;
      }
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  const enc = encodeURIComponent;

  // ---- the API ----

  class ApiError extends Error {
    constructor(status, problem) {
      super(problem?.detail ?? problem?.title ?? `The registry answered ${status}.`);
      this.status = status;
      this.problem = problem;
    }
  }

  async function api(path, accept = 'application/json') {
    // A path is asked for exactly as built. Its parts come from a link's address, encoded, but encoding leaves a `.` or
    // `..` part as it is and the browser resolves it: `#/capability-tables/../export` asked GET /v1/export with the
    // caller's token (recorded as the caller's export). Such a part names nothing: answered as for one that is absent.
    if (new URL(path, location.origin).pathname !== path.split('?')[0]) {
      throw new ApiError(404, null);
    }
    const headers = { Accept: accept };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    const response = await fetch(path, { headers });
    if (!response.ok) {
      let problem = null;
      try {
        problem = await response.json();
      } catch {
        // Not a problem document; the status says enough.
      }
      throw new ApiError(response.status, problem);
    }
    return accept === 'application/json' ? response.json() : response.text();
  }

  async function allVersions(key) {
    const items = [];
    let cursor = null;
    do {
      const page = await api(`/v1/standards/${enc(key)}/versions?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
      items.push(...page.items);
      cursor = page.nextCursor ?? null;
    } while (cursor);
    return items;
  }

  // ---- the token (kept for this tab only) ----

  function describeToken(token) {
    if (!token) {
      return 'Reading as PUBLIC (anonymous).';
    }
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(part + '='.repeat((4 - (part.length % 4)) % 4)), (c) => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      const who = claims.sub ?? claims.unique_name ?? claims.name ?? 'a token holder';
      return `Reading as ${who}: community ${claims.community ?? '(none)'}, clearance ${claims.clearance ?? '(none)'} — as the token says; the registry decides.`;
    } catch {
      return 'Reading with a token this page cannot read; the registry decides what it allows.';
    }
  }

  function showIdentity() {
    $('identity').textContent = describeToken(sessionStorage.getItem(TOKEN_KEY));
  }

  // ---- problems ----

  function showProblem(error) {
    const box = $('problem');
    if (!error) {
      box.hidden = true;
      box.textContent = '';
      return;
    }
    box.hidden = false;
    box.textContent = error instanceof ApiError
      ? (error.status === 401 ? `The registry refused the token (401): ${error.message}` : error.message)
      : `The registry could not be reached: ${error.message}`;
  }

  // ---- search ----

  let searchRun = 0;
  let currentSearch = null;

  function searchHash(q, category) {
    const params = new URLSearchParams();
    if (q) {
      params.set('q', q);
    }
    if (category) {
      params.set('category', category);
    }
    const query = params.toString();
    return `#/search${query ? `?${query}` : ''}`;
  }

  // The result list's searches and the detail pane's views are numbered: #results-status and #detail carry the number
  // of the last one started and of the last one finished (data-started, data-done), so a reader of the page (the
  // browser test) can wait until what it caused has been drawn, rather than for an element the previous view may still
  // show.
  function started(element, run) {
    element.dataset.started = String(run);
    return run;
  }

  // Marks run finished unless a later one has started meanwhile (latest: the element's counter now).
  function finished(element, run, latest) {
    if (run === latest) {
      element.dataset.done = String(run);
    }
  }

  async function search(q, category, cursor) {
    const run = started($('results-status'), ++searchRun);
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (q) {
      params.set('q', q);
    }
    if (category) {
      params.set('category', category);
    }
    if (cursor) {
      params.set('cursor', cursor);
    }
    const list = $('results');
    const more = $('more');
    if (!cursor) {
      list.replaceChildren();
      $('results-status').textContent = 'Searching…';
    }
    more.hidden = true;
    try {
      const page = await api(`/v1/standards?${params}`);
      if (run !== searchRun) {
        return;
      }
      list.append(...page.items.map(resultItem));
      const shown = list.children.length;
      $('results-status').textContent = shown === 0
        ? 'No standard you may see matches.'
        : `${shown} standard${shown === 1 ? '' : 's'}${page.nextCursor ? ' so far' : ''}.`;
      more.hidden = !page.nextCursor;
      more.onclick = () => search(q, category, page.nextCursor);
    } catch (error) {
      if (run === searchRun) {
        $('results-status').textContent = '';
        showProblem(error);
      }
    } finally {
      finished($('results-status'), run, searchRun);
    }
  }

  function resultItem(standard) {
    const editions = standard.latestEdition
      ? `current edition ${standard.latestEdition} · ${standard.versionCount} edition${standard.versionCount === 1 ? '' : 's'}`
      : `${standard.versionCount} edition${standard.versionCount === 1 ? '' : 's'}, none in force`;
    return el('li', { 'data-testid': 'result', 'data-key': standard.key },
      el('a', { href: `#/standards/${enc(standard.key)}` },
        el('span', { class: 'designation' }, standard.designation),
        el('span', { class: 'title' }, standard.title)),
      el('span', { class: 'meta' }, el('span', { class: 'badge' }, standard.category), ' ', editions));
  }

  // ---- a standard and one of its editions ----

  let detailRun = 0;

  function hideDetail() {
    const detail = $('detail');
    const run = started(detail, ++detailRun);
    detail.hidden = true;
    detail.replaceChildren();
    finished(detail, run, detailRun);
  }

  async function showStandard(key, edition) {
    const detail = $('detail');
    const run = started(detail, ++detailRun);
    detail.hidden = false;
    detail.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    try {
      const [standard, versions] = await Promise.all([api(`/v1/standards/${enc(key)}`), allVersions(key)]);
      let version = null;
      if (edition !== 'latest') {
        version = await api(`/v1/standards/${enc(key)}/versions/${enc(edition)}`);
      } else if (standard.latestEdition) {
        version = await api(`/v1/standards/${enc(key)}/versions/latest`);
      } else if (versions.length > 0) {
        // Nothing in force (e.g. only drafts, for an editor): open the newest edition the caller sees.
        version = await api(`/v1/standards/${enc(key)}/versions/${versions[versions.length - 1].edition}`);
      }
      const [label, responses, relations] = await Promise.all([
        version ? api(`/v1/standards/${enc(key)}/versions/${version.edition}/label`) : null,
        version ? api(`/v1/standards/${enc(key)}/versions/${version.edition}/responses`) : [],
        api(`/v1/standards/${enc(key)}/relations`),
      ]);
      if (run !== detailRun) {
        return;
      }
      detail.replaceChildren(...renderStandard(standard, versions, version, label, responses, relations));
      document.title = version
        ? `${standard.designation} edition ${version.edition} — Standards Registry`
        : `${standard.designation} — Standards Registry`;
    } catch (error) {
      if (run === detailRun) {
        showDetailError(error, 'No such standard or version.');
      }
    } finally {
      finished(detail, run, detailRun);
    }
  }

  // A 404 reads the same whether the thing is hidden or was never there: the API answers both alike.
  function showDetailError(error, notFound) {
    const missing = error instanceof ApiError && error.status === 404;
    $('detail').replaceChildren(
      el('p', { class: 'not-found', 'data-testid': 'not-found' }, missing ? notFound : error.message),
      el('p', {}, el('a', { href: currentSearch ?? '#/' }, 'Back to the catalogue')));
    if (!missing) {
      showProblem(error);
    }
  }

  function markingText(version) {
    return version.equivalentMarking ? `${version.marking} / ${version.equivalentMarking}` : version.marking;
  }

  function banner(version, position) {
    const level = /^[A-Z]{2,3}$/.test(version.classification) ? version.classification : 'unknown';
    return el('div', { class: `banner marking-${level} banner-${position}`, 'data-testid': `banner-${position}`, role: 'note', 'aria-label': 'classification marking' },
      markingText(version));
  }

  function renderStandard(standard, versions, version, label, responses, relations) {
    const parts = [];
    const back = el('p', { class: 'back' }, el('a', { href: currentSearch ?? '#/' }, '← Back to the results'));
    if (!version) {
      parts.push(back, el('h2', {}, `${standard.designation} — ${standard.title}`), el('p', { class: 'muted' }, 'No edition of this standard is visible to you yet.'));
      return parts;
    }
    const isCurrent = version.status === 'published' && version.edition === standard.latestEdition;
    parts.push(banner(version, 'top'), back);
    parts.push(el('header', { class: 'standard-head' },
      el('p', { class: 'designation' }, standard.designation, ' ', el('span', { class: 'badge' }, standard.category)),
      el('h2', { 'data-testid': 'version-title' }, version.title),
      el('p', { class: 'edition-line', 'data-testid': 'edition-line' },
        `Edition ${version.edition} of ${standard.title} · `,
        el('span', { class: `status status-${version.status}`, 'data-testid': 'status' }, version.status),
        isCurrent ? el('span', { class: 'current', 'data-testid': 'current' }, 'current edition') : null)));

    const facts = el('dl', { class: 'facts' });
    addFact(facts, 'Marking', version.marking);
    if (version.equivalentMarking) {
      addFact(facts, 'EU equivalent', version.equivalentMarking);
    }
    if (version.publishedAt) {
      addFact(facts, 'Published', formatTime(version.publishedAt));
    }
    if (version.supersededBy) {
      addFact(facts, 'Superseded by', el('a', { href: `#/standards/${enc(version.key)}/versions/${version.supersededBy}` }, `edition ${version.supersededBy}`));
    }
    if (version.withdrawnAt) {
      addFact(facts, 'Withdrawn', `${formatTime(version.withdrawnAt)}${version.withdrawalReason ? ` — ${version.withdrawalReason}` : ''}`);
    }
    parts.push(el('p', { class: 'summary' }, version.summary), facts);

    parts.push(el('section', { class: 'attributes', 'data-testid': 'attributes' },
      el('h3', {}, 'Attributes'), attributeFigure(version.category, version.attributes), attributeList(version.attributes)));
    parts.push(el('section', { class: 'body' }, el('h3', {}, 'Text'), el('p', { class: 'body-text' }, version.body || '(no text)')));
    parts.push(renderResponses(version, responses));
    parts.push(renderRelations(relations));
    if (label) {
      parts.push(renderLabel(`/v1/standards/${enc(version.key)}/versions/${version.edition}/label`, label));
    }
    parts.push(renderHistory(standard, versions, version));
    parts.push(banner(version, 'bottom'));
    return parts;
  }

  function addFact(list, name, value) {
    list.append(el('dt', {}, name), el('dd', {}, value));
  }

  function formatTime(text) {
    const time = new Date(text);
    return Number.isNaN(time.getTime()) ? text : time.toISOString().slice(0, 10);
  }

  // ---- national responses and relations (only what the API answered: the caller's view) ----

  const responseNames = {
    'ratified': 'Ratified',
    'ratified-with-reservations': 'Ratified with reservations',
    'not-ratifying': 'Not ratifying',
    'no-response': 'No response',
  };

  function renderResponses(version, responses) {
    const section = el('section', { class: 'responses', 'data-testid': 'responses' }, el('h3', {}, `National responses to edition ${version.edition}`));
    if (responses.length === 0) {
      section.append(el('p', { class: 'muted' }, 'No national response you may see.'));
      return section;
    }
    const columns = Object.keys(responseNames);
    const table = el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Nation'), ...columns.map((c) => el('th', { scope: 'col' }, responseNames[c])))));
    const body = el('tbody');
    for (const response of responses) {
      body.append(el('tr', { 'data-testid': 'response', 'data-nation': response.nation },
        el('th', { scope: 'row' }, response.nation),
        ...columns.map((c) => el('td', { class: c === response.response ? 'mark' : null },
          c === response.response
            ? [el('span', { class: 'tick', 'aria-label': responseNames[c] }, '●'),
               response.reservation ? el('p', { class: 'reservation' }, response.reservation) : null,
               el('p', { class: 'muted' }, markingText(response),
                 response.actualImplementation ? ` · implemented ${response.actualImplementation}` : response.intendedImplementation ? ` · implementing by ${response.intendedImplementation}` : '')]
            : null))));
    }
    table.append(body);
    section.append(table);
    return section;
  }

  const relationNames = {
    covers: ['Covers', 'Covered by'],
    supersedes: ['Supersedes', 'Superseded by'],
    references: ['References', 'Referenced by'],
  };

  function renderRelations(relations) {
    const section = el('section', { class: 'relations', 'data-testid': 'relations' }, el('h3', {}, 'Related documents'));
    const list = el('dl', { class: 'facts' });
    for (const [edges, index] of [[relations.outgoing, 0], [relations.incoming, 1]]) {
      for (const edge of edges) {
        addFact(list, relationNames[edge.kind]?.[index] ?? edge.kind,
          el('a', { href: `#/standards/${enc(edge.key)}`, 'data-testid': 'related', 'data-key': edge.key }, `${edge.designation} — ${edge.title}`));
      }
    }
    for (const equivalent of relations.equivalents) {
      addFact(list, 'Civil equivalent', el('span', { 'data-testid': 'equivalent' }, `${equivalent.source} ${equivalent.identifier}`));
    }
    if (relations.preferred) {
      addFact(list, 'Preferred', el('span', { 'data-testid': 'preferred' }, `the preferred ${relations.preferred.category} standard: ${relations.preferred.rationale}`));
    }
    section.append(list.children.length ? list : el('p', { class: 'muted' }, 'No related document you may see.'));
    return section;
  }

  // ---- the confidentiality label ----

  function renderLabel(path, label) {
    const section = el('section', { class: 'label', 'data-testid': 'label' }, el('h3', {}, 'Confidentiality label (STANAG 4774)'));
    const labels = [['Originator', label.originatorConfidentialityLabel], ...label.alternativeConfidentialityLabels.map((l) => ['Equivalent', l])];
    for (const [role, one] of labels) {
      const info = one.confidentialityInformation;
      const list = el('dl', { class: 'facts' });
      addFact(list, 'Label', role);
      addFact(list, 'Policy', info.policyIdentifier);
      addFact(list, 'Classification', info.classification);
      for (const category of info.categories) {
        addFact(list, `${category.tagName} (${category.type.toLowerCase()})`,
          el('span', { 'data-testid': 'releasable-to' }, category.genericValues.join(', ')));
      }
      if (role === 'Originator' && info.categories.length === 0) {
        addFact(list, 'Releasable To', 'no audience you may know of');
      }
      section.append(list);
    }
    const xml = el('pre', { class: 'xml', 'data-testid': 'label-xml', hidden: true });
    const button = el('button', { type: 'button' }, 'Show the label as XML');
    button.onclick = async () => {
      try {
        xml.textContent = await api(path, 'application/xml');
        xml.hidden = false;
        button.hidden = true;
      } catch (error) {
        showProblem(error);
      }
    };
    section.append(button, xml);
    return section;
  }

  // ---- capability tables: only those the API lists for the caller; none, and the panel stays hidden ----

  let tablesRun = 0;

  async function loadTables() {
    const run = ++tablesRun;
    const panel = $('tables-panel');
    const list = $('tables');
    panel.hidden = true;
    list.replaceChildren();
    try {
      const tables = await api('/v1/capability-tables');
      if (run !== tablesRun) {
        return;
      }
      list.append(...tables.map(tableItem));
      panel.hidden = tables.length === 0;
    } catch (error) {
      if (run === tablesRun) {
        showProblem(error);
      }
    }
  }

  function tableItem(table) {
    return el('li', { 'data-testid': 'table-item', 'data-cycle': table.cycle, 'data-audience': table.audience },
      el('a', { href: `#/capability-tables/${enc(table.cycle)}/${enc(table.audience)}` },
        el('span', { class: 'designation' }, `Planning cycle ${table.cycle}`),
        el('span', { class: 'title' }, `Capability targets for ${table.audience}`)),
      el('span', { class: 'meta' }, markingText(table), table.state === 'revoked' ? ' · revoked' : ''));
  }

  async function showTable(cycle, audience) {
    const detail = $('detail');
    const run = started(detail, ++detailRun);
    detail.hidden = false;
    detail.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    const path = `/v1/capability-tables/${enc(cycle)}/${enc(audience)}`;
    try {
      const [table, label] = await Promise.all([api(path), api(`${path}/label`)]);
      if (run !== detailRun) {
        return;
      }
      detail.replaceChildren(...renderTable(table, label, path));
      document.title = `Capability targets ${table.cycle} for ${table.audience} — Standards Registry`;
    } catch (error) {
      if (run === detailRun) {
        showDetailError(error, 'No such table.');
      }
    } finally {
      finished(detail, run, detailRun);
    }
  }

  function renderTable(table, label, path) {
    const columns = [...table.horizons.map(String), 'total'];
    const cells = new Map(table.cells.map((c) => [`${c.row}\u0000${c.column}`, c]));
    const rows = [...new Set(table.cells.map((c) => c.row))];
    const units = new Map(table.capabilities.map((c) => [c.code, c.unit]));
    const rowName = (row) => row === 'total' ? 'All capabilities'
      : row.startsWith('group:') ? `Group ${row.slice(6)}`
      : `${row}${units.has(row) ? ` (${units.get(row)})` : ''}`;
    const grid = el('table', { class: 'grid capability-table', 'data-testid': 'capability-table' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Capability'), ...columns.map((c) => el('th', { scope: 'col', class: 'number' }, c === 'total' ? 'Total' : c)))));
    const body = el('tbody');
    for (const row of rows) {
      body.append(el('tr', { class: row.includes(':') || row === 'total' ? 'margin' : null },
        el('th', { scope: 'row' }, rowName(row)),
        ...columns.map((column) => {
          const cell = cells.get(`${row}\u0000${column}`);
          if (!cell) {
            return el('td', {});
          }
          return cell.suppressed
            ? el('td', { class: 'suppressed', 'data-testid': 'cell', 'data-row': row, 'data-column': column, 'data-suppressed': 'true', title: 'Suppressed: it could reveal a nation\'s target' }, 'suppressed')
            : el('td', { class: 'number', 'data-testid': 'cell', 'data-row': row, 'data-column': column, 'data-suppressed': 'false' }, cell.value.toLocaleString('en'));
        })));
    }
    grid.append(body);
    const suppressed = table.cells.filter((c) => c.suppressed).length;
    const facts = el('dl', { class: 'facts' });
    addFact(facts, 'Marking', table.marking);
    addFact(facts, 'Published', formatTime(table.publishedAt));
    addFact(facts, 'State', table.state);
    return [
      banner(table, 'top'),
      el('p', { class: 'back' }, el('a', { href: currentSearch ?? '#/' }, '← Back to the catalogue')),
      el('header', { class: 'standard-head' },
        el('p', { class: 'designation' }, `Planning cycle ${table.cycle}`),
        el('h2', { 'data-testid': 'table-title' }, `Capability targets for ${table.audience}`)),
      facts,
      el('p', { class: 'summary', 'data-testid': 'suppression-note' },
        `${suppressed} of ${table.cells.length} cells are suppressed. A suppressed cell is marked, not left out: its figure could reveal `
        + 'a nation\'s target, or let one be worked out from the totals beside it.'),
      grid,
      renderLabel(`${path}/label`, label),
      banner(table, 'bottom'),
    ];
  }

  // ---- edition history ----

  function renderHistory(standard, versions, shown) {
    const list = el('ol', { class: 'history', 'data-testid': 'history' });
    for (const version of versions) {
      const current = version.status === 'published' && version.edition === standard.latestEdition;
      const item = el('li', { 'data-testid': 'history-item', 'data-edition': version.edition, class: version.edition === shown.edition ? 'shown' : null },
        el('a', { href: `#/standards/${enc(standard.key)}/versions/${version.edition}` }, `Edition ${version.edition}`),
        ' ', el('span', { class: 'title' }, version.title),
        ' ', el('span', { class: `status status-${version.status}` }, version.status),
        current ? el('span', { class: 'current' }, 'current') : null,
        ' ', el('span', { class: 'marking' }, markingText(version)));
      list.append(item);
    }
    return el('section', { class: 'history-section' }, el('h3', {}, 'Edition history'),
      el('p', { class: 'muted' }, 'The editions you may see, oldest first.'), list);
  }

  // ---- attributes ----

  const attributeNames = {
    boreMm: ['Bore', 'mm'],
    caseLengthMm: ['Case length', 'mm'],
    cartridge: ['Cartridge', ''],
    lowMHz: ['Lowest frequency', 'MHz'],
    highMHz: ['Highest frequency', 'MHz'],
    layer: ['OSI layer', ''],
    transport: ['Transport', ''],
    messageFormat: ['Message format', ''],
    dataRateKbps: ['Data rate', 'kbit/s'],
  };

  function attributeList(attributes) {
    const list = el('dl', { class: 'facts' });
    for (const [name, value] of Object.entries(attributes ?? {})) {
      const [label, unit] = attributeNames[name] ?? [name, ''];
      addFact(list, label, unit ? `${value} ${unit}` : String(value));
    }
    return list;
  }

  function attributeFigure(category, attributes) {
    if (category === 'radio-band' && isPositive(attributes?.lowMHz) && isPositive(attributes?.highMHz) && attributes.lowMHz < attributes.highMHz) {
      return bandFigure(attributes.lowMHz, attributes.highMHz);
    }
    if (category === 'caliber' && isPositive(attributes?.boreMm) && isPositive(attributes?.caseLengthMm)) {
      return caliberFigure(attributes.boreMm, attributes.caseLengthMm, attributes.cartridge);
    }
    return null;
  }

  function isPositive(value) {
    return typeof value === 'number' && Number.isFinite(value) && value > 0;
  }

  function frequency(mhz) {
    if (mhz >= 1000) {
      return `${+(mhz / 1000).toPrecision(4)} GHz`;
    }
    if (mhz < 1) {
      return `${+(mhz * 1000).toPrecision(4)} kHz`;
    }
    return `${+mhz.toPrecision(4)} MHz`;
  }

  // One band on the frequency axis.
  function bandFigure(low, high) {
    return bandsFigure([{ low, high }], null);
  }

  // Bands on a logarithmic frequency axis, over the ITU band names, whole decades either side: one lane per band, so
  // overlapping bands stay apart; a searched range (or frequency) shaded behind them.
  function bandsFigure(bands, searched) {
    const width = 640;
    const left = 30;
    const right = width - 30;
    const lane = 30;
    const axis = 66 + lane * bands.length;
    const height = axis + 34;
    const edges = [...bands.flatMap((b) => [b.low, b.high]), ...(searched ? [searched.low, searched.high] : [])];
    const low = Math.min(...edges);
    const high = Math.max(...edges);
    // The axis runs over whole decades, counted by their exponents: as values, 10 ** e is 0 below 1e-323 MHz (a positive
    // number the API accepts, from an editor's band or a link's search), and the ticks, stepping by ten from 0, never
    // reached the top: the reader's tab hung. The decades stay within those a number can name (no tick says 0 MHz).
    let first = Math.max(Math.floor(Math.log10(low)), -323);
    let last = Math.min(Math.ceil(Math.log10(high)), 308);
    if (last - first < 2) {
      first -= 1;
      last += 1;
    }
    const at = (exponent) => left + ((exponent - first) / (last - first)) * (right - left);
    const x = (mhz) => at(Math.log10(mhz));
    const described = bands.map((b) => `${frequency(b.low)} to ${frequency(b.high)}`).join(', ');
    const figure = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'figure band', role: 'img', 'data-testid': 'band-figure' },
      svg('title', {}, `${bands.length === 1 ? 'Band' : 'Bands'} from ${described} on a logarithmic frequency axis`));
    const itu = [[0.03, 0.3, 'LF'], [0.3, 3, 'MF'], [3, 30, 'HF'], [30, 300, 'VHF'], [300, 3000, 'UHF'], [3000, 30000, 'SHF'], [30000, 300000, 'EHF']];
    itu.forEach(([a, b, name], index) => {
      const x1 = at(Math.max(Math.log10(a), first));
      const x2 = at(Math.min(Math.log10(b), last));
      if (x2 - x1 < 1) {
        return;
      }
      figure.append(
        svg('rect', { x: x1, y: 20, width: x2 - x1, height: axis - 20, class: index % 2 ? 'itu odd' : 'itu even' }),
        svg('text', { x: (x1 + x2) / 2, y: 34, 'text-anchor': 'middle', class: 'itu-name' }, name));
    });
    if (searched) {
      const x1 = x(searched.low);
      const x2 = x(searched.high);
      figure.append(svg('rect', { x: x1 - (x2 - x1 < 2 ? 1 : 0), y: 40, width: Math.max(x2 - x1, 2), height: axis - 40, class: 'searched', 'data-testid': 'searched-range' }));
    }
    figure.append(svg('line', { x1: left, y1: axis, x2: right, y2: axis, class: 'axis' }));
    for (let decade = first; decade <= last; decade++) {
      figure.append(
        svg('line', { x1: at(decade), y1: axis, x2: at(decade), y2: axis + 6, class: 'axis' }),
        svg('text', { x: at(decade), y: axis + 20, 'text-anchor': 'middle', class: 'tick' }, frequency(10 ** decade)));
    }
    bands.forEach((band, index) => {
      const x1 = x(band.low);
      const x2 = x(band.high);
      const top = 46 + index * lane;
      const text = band.name ? `${band.name}: ${frequency(band.low)} – ${frequency(band.high)}` : `${frequency(band.low)} – ${frequency(band.high)}`;
      // Inside the band when it is wide enough for its label (about 7 units a character), else beside it.
      const room = text.length * 7;
      const place = x2 - x1 >= room ? { x: (x1 + x2) / 2, anchor: 'middle', inside: true }
        : x2 + 6 + room <= width ? { x: x2 + 6, anchor: 'start', inside: false }
        : { x: x1 - 6, anchor: 'end', inside: false };
      figure.append(
        svg('rect', { x: x1, y: top, width: Math.max(x2 - x1, 2), height: lane - 6, class: 'band-range', 'data-testid': 'band-range', 'data-key': band.key }),
        svg('text', { x: place.x, y: top + 16, 'text-anchor': place.anchor, class: place.inside ? 'band-label' : 'band-label beside' }, text));
    });
    return figure;
  }

  // ---- frequency search: the bands (radio-band standards) whose edition in force, as the caller sees it, matches ----

  // The search a frequency form asks for: overlaps=a,b with both ends, covers=f with one; null when it is not numbers.
  function bandQuery(fromText, toText) {
    const from = Number(fromText);
    const to = toText === '' ? null : Number(toText);
    if (fromText === '' || !Number.isFinite(from) || from <= 0 || (to !== null && (!Number.isFinite(to) || to < from))) {
      return null;
    }
    return to === null || to === from ? { covers: from } : { overlaps: [from, to] };
  }

  async function showBands(params) {
    const detail = $('detail');
    const run = started(detail, ++detailRun);
    detail.hidden = false;
    detail.replaceChildren(el('p', { class: 'muted' }, 'Searching…'));
    const covers = params.get('covers');
    const overlaps = params.get('overlaps');
    const query = bandQuery(covers ?? (overlaps ?? '').split(',')[0] ?? '', covers !== null ? '' : (overlaps ?? '').split(',')[1] ?? '');
    $('band-from').value = query ? String(query.covers ?? query.overlaps[0]) : '';
    $('band-to').value = query?.overlaps ? String(query.overlaps[1]) : '';
    try {
      if (!query) {
        throw new Error('Give a frequency in MHz, or a range from a lower to a higher one.');
      }
      const filter = query.covers !== undefined ? `covers=${query.covers}` : `overlaps=${query.overlaps.join(',')}`;
      const standards = [];
      let cursor = null;
      do {
        const page = await api(`/v1/standards?${filter}&limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
        standards.push(...page.items);
        cursor = page.nextCursor ?? null;
      } while (cursor);
      // Each band is drawn from its edition in force as the caller sees it: the edition the search matched on.
      const versions = await Promise.all(standards.map((s) => api(`/v1/standards/${enc(s.key)}/versions/latest`)));
      if (run !== detailRun) {
        return;
      }
      const searched = query.covers !== undefined ? { low: query.covers, high: query.covers } : { low: query.overlaps[0], high: query.overlaps[1] };
      const bands = versions
        .filter((v) => isPositive(v.attributes?.lowMHz) && isPositive(v.attributes?.highMHz) && v.attributes.lowMHz < v.attributes.highMHz)
        .map((v, index) => ({ key: v.key, name: standards[index].designation, low: v.attributes.lowMHz, high: v.attributes.highMHz }));
      const title = query.covers !== undefined
        ? `Bands covering ${frequency(query.covers)}`
        : `Bands overlapping ${frequency(query.overlaps[0])} – ${frequency(query.overlaps[1])}`;
      const list = el('ul', { class: 'results' }, ...standards.map((s) => el('li', { 'data-testid': 'band-result', 'data-key': s.key },
        el('a', { href: `#/standards/${enc(s.key)}` }, el('span', { class: 'designation' }, s.designation), el('span', { class: 'title' }, s.title)))));
      detail.replaceChildren(
        el('p', { class: 'back' }, el('a', { href: currentSearch ?? '#/' }, '← Back to the catalogue')),
        el('h2', { 'data-testid': 'bands-title' }, title),
        el('p', { class: 'muted', 'data-testid': 'bands-status' }, standards.length === 0
          ? 'No band you may see matches.'
          : `${standards.length} band${standards.length === 1 ? '' : 's'} you may see, each as its edition in force for you.`),
        standards.length ? bandsFigure(bands, searched) : null,
        list);
      document.title = `${title} — Standards Registry`;
    } catch (error) {
      if (run === detailRun) {
        detail.replaceChildren(el('p', { class: 'not-found', 'data-testid': 'not-found' }, error.message));
        if (error instanceof ApiError) {
          showProblem(error);
        }
      }
    } finally {
      finished(detail, run, detailRun);
    }
  }

  // A schematic cartridge with its two dimensions: case length and bore.
  function caliberFigure(bore, caseLength, cartridge) {
    const width = 640;
    const bulletLength = bore * 3.2;
    const scale = Math.min(8, 480 / (caseLength + bulletLength));
    const left = 40;
    const caseWidth = Math.max(bore * 1.45 * scale, 12);
    const middle = 24 + caseWidth / 2;
    const height = middle + caseWidth / 2 + 64;
    const boreWidth = Math.max(bore * scale, 8);
    const caseEnd = left + caseLength * scale;
    const tip = caseEnd + bulletLength * scale;
    const figure = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'figure caliber', role: 'img', 'data-testid': 'caliber-figure' },
      svg('title', {}, `Cartridge ${cartridge ?? ''}: bore ${bore} mm, case length ${caseLength} mm (schematic)`),
      svg('rect', { x: left, y: middle - caseWidth / 2, width: caseEnd - left, height: caseWidth, rx: 2, class: 'case' }),
      svg('path', {
        d: `M ${caseEnd} ${middle - boreWidth / 2} L ${caseEnd + (tip - caseEnd) * 0.45} ${middle - boreWidth / 2} `
          + `Q ${tip - 2} ${middle - boreWidth / 3} ${tip} ${middle} Q ${tip - 2} ${middle + boreWidth / 3} ${caseEnd + (tip - caseEnd) * 0.45} ${middle + boreWidth / 2} `
          + `L ${caseEnd} ${middle + boreWidth / 2} Z`,
        class: 'bullet',
      }),
      // Case length, below.
      svg('line', { x1: left, y1: middle + caseWidth / 2 + 18, x2: caseEnd, y2: middle + caseWidth / 2 + 18, class: 'dimension' }),
      svg('line', { x1: left, y1: middle + caseWidth / 2 + 10, x2: left, y2: middle + caseWidth / 2 + 26, class: 'dimension' }),
      svg('line', { x1: caseEnd, y1: middle + caseWidth / 2 + 10, x2: caseEnd, y2: middle + caseWidth / 2 + 26, class: 'dimension' }),
      svg('text', { x: (left + caseEnd) / 2, y: middle + caseWidth / 2 + 38, 'text-anchor': 'middle', class: 'dimension-label' }, `case length ${caseLength} mm`),
      // Bore, across the bullet just ahead of the case mouth, labelled above the case.
      svg('line', { x1: caseEnd + 8, y1: middle - boreWidth / 2, x2: caseEnd + 8, y2: middle + boreWidth / 2, class: 'dimension' }),
      svg('line', { x1: caseEnd + 8, y1: middle - boreWidth / 2, x2: caseEnd + 8, y2: middle - caseWidth / 2 - 4, class: 'dimension leader' }),
      svg('text', { x: caseEnd + 8, y: middle - caseWidth / 2 - 8, 'text-anchor': 'middle', class: 'dimension-label' }, `Ø ${bore} mm`),
      svg('text', { x: left, y: height - 6, class: 'caption' }, `${cartridge ?? ''} — schematic, case to scale`));
    return figure;
  }

  // ---- navigation ----

  function route() {
    showProblem(null);
    // Each view names the tab once it is drawn; until then, and when the caller may not see what the address names (a
    // reader after a token change, or after "Read as PUBLIC"), the tab names nothing the previous view showed.
    document.title = 'Standards Registry — catalogue';
    const hash = location.hash.replace(/^#/, '') || '/';
    const [path, query = ''] = hash.split('?');
    const parts = path.split('/').filter(Boolean).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    if (parts[0] === 'bands') {
      if (currentSearch === null) {
        runSearch('#/search');
      }
      showBands(new URLSearchParams(query));
      return;
    }
    if (parts[0] === 'capability-tables' && parts[1] && parts[2]) {
      if (currentSearch === null) {
        runSearch('#/search');
      }
      showTable(parts[1], parts[2]);
      return;
    }
    if (parts[0] === 'standards' && parts[1]) {
      const edition = parts[2] === 'versions' && parts[3] ? parts[3] : 'latest';
      if (currentSearch === null) {
        runSearch('#/search');
      }
      showStandard(parts[1], edition);
      return;
    }
    hideDetail();
    runSearch(`#/search${query ? `?${query}` : ''}`);
  }

  function runSearch(hash) {
    currentSearch = hash;
    const params = new URLSearchParams(hash.split('?')[1] ?? '');
    const q = params.get('q') ?? '';
    const category = params.get('category') ?? '';
    $('q').value = q;
    $('category').value = category;
    search(q, category, null);
  }

  function refresh() {
    currentSearch = null;
    loadTables();
    route();
  }

  document.addEventListener('DOMContentLoaded', () => {
    showIdentity();
    $('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const target = searchHash($('q').value.trim(), $('category').value);
      if (location.hash === target) {
        refresh();
      } else {
        location.hash = target;
      }
    });
    $('band-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const query = bandQuery($('band-from').value.trim(), $('band-to').value.trim());
      if (!query) {
        showProblem(new Error('Give a frequency in MHz, or a range from a lower to a higher one.'));
        return;
      }
      const target = query.covers !== undefined ? `#/bands?covers=${query.covers}` : `#/bands?overlaps=${query.overlaps.join(',')}`;
      if (location.hash === target) {
        route();
      } else {
        location.hash = target;
      }
    });
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      if (token) {
        sessionStorage.setItem(TOKEN_KEY, token);
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
      }
      $('token').value = '';
      showIdentity();
      refresh();
    });
    $('token-clear').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      $('token').value = '';
      showIdentity();
      refresh();
    });
    window.addEventListener('hashchange', route);
    refresh();
  });
})();
