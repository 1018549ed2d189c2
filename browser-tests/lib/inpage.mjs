// Functions that run inside the page (passed to page.evaluate): each is
// self-contained and returns plain data.

/**
 * Reads every chart's data (the page's JSON chart data block, expanded as
 * sitrep.js does; with `drawn`, the options ECharts was given, which must
 * equal it) and its numbers table, and checks that they agree: an x axis of 6 weeks, a gap and 12 months; a table of 6 week
 * rows and 12 month rows with the same labels; one (weekly, monthly) series
 * pair per table column, each with exactly as many points as its column has
 * values, and equal values. With `drawn`, it also checks the ECharts drawing:
 * an SVG whose symbols sit exactly on every data point (no missing, no
 * stray one) and one line path through each line series' points.
 */
export function inspectCharts({ drawn }) {
  // ECharts writes SVG coordinates rounded to 4 decimals, and a point's
  // symbol sits exactly where convertToPixel() puts it.
  const TOL = 0.05; // px
  const GAP = '–';
  const results = [];
  const number = (text) => {
    const clean = text.replace(/−/g, '-').replace(/[^0-9.\-]/g, '');
    const value = parseFloat(clean);
    const decimals = (clean.split('.')[1] || '').length;
    return { value, tolerance: 0.5 * 10 ** -decimals + 1e-9 };
  };
  const sameNumber = (text, v) => {
    const { value, tolerance } = number(text);
    if (!Number.isFinite(value)) return false;
    // Ratios are stored as fractions and shown as percentages.
    return [v, v * 100].some((candidate) => Math.abs(Math.abs(candidate) - Math.abs(value)) <= tolerance * 1.0001);
  };
  const polyline = (d) => {
    if (!d || /[^ML0-9.,\-\se]/.test(d)) return null;
    return d
      .split(/(?=[ML])/)
      .map((part) => part.slice(1).trim().split(/[\s,]+/).map(Number))
      .filter((xy) => xy.length === 2);
  };
  // The page's chart data: the deck's block and narrative charts' own
  // blocks, each a list of distinct x axes and per chart its data.
  const entries = [];
  const blockProblems = [];
  for (const block of document.querySelectorAll('script[type="application/json"]#sitrep-charts, script[type="application/json"][data-chart]')) {
    let set;
    try {
      set = JSON.parse(block.textContent);
    } catch (error) {
      blockProblems.push(`chart data is not JSON: ${error.message}`);
      continue;
    }
    for (const chart of set.charts || []) entries.push({ id: chart.id || block.getAttribute('data-chart'), chart, labels: (set.x || [])[chart.x || 0] });
  }
  if (blockProblems.length) results.push({ id: 'chart data', problems: blockProblems, series: 0, values: 0, symbols: 0, lines: 0 });
  // The options a chart's data stands for (see sitrep.js), written here
  // independently: x axis = weeks, a gap, months; a weekly and a monthly
  // series per line, each padded to the axis.
  const expand = ({ chart, labels }) => {
    const weeks = labels.weeks.length;
    const slots = weeks + 1 + labels.months.length;
    const series = [];
    chart.series.forEach((line, index) => {
      [line.w, line.m].forEach((values, monthly) => {
        const data = Array(slots).fill(null);
        values.forEach((v, at) => { data[(monthly ? weeks + 1 : 0) + at] = v; });
        series.push({ name: line.name, type: 'line', data, column: line.column || index + 1 });
      });
    });
    return { xAxis: { data: [...labels.weeks, '', ...labels.months] }, series };
  };
  const value = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v.value : v);
  for (const entry of entries) {
    const id = entry.id;
    const problems = [];
    const res = { id, problems, series: 0, values: 0, symbols: 0, lines: 0 };
    results.push(res);
    const el = document.getElementById(id);
    if (!el || !el.classList.contains('chart-canvas')) {
      problems.push('no .chart-canvas container with this id');
      continue;
    }
    if (!entry.labels || !Array.isArray(entry.chart.series)) {
      problems.push('chart data without x axis or series');
      continue;
    }
    const expanded = expand(entry);
    let options = expanded;
    if (drawn) {
      // What ECharts was given: it must be the chart's data, point for point.
      const instance = window.echarts && window.echarts.getInstanceByDom(el);
      if (!instance) {
        problems.push('no ECharts instance on the container');
        continue;
      }
      const built = instance.getOption();
      const builtSeries = (built.series || []).map((s, si) => ({ ...s, data: (s.data || []).map(value), column: (expanded.series[si] || {}).column }));
      if (builtSeries.length !== expanded.series.length) problems.push(`${builtSeries.length} series drawn for ${expanded.series.length} in the chart data`);
      builtSeries.forEach((s, si) => {
        const want = (expanded.series[si] || {}).data || [];
        if (JSON.stringify(s.data.map((v) => (v === undefined || v === '-' ? null : v))) !== JSON.stringify(want)) problems.push(`series ${si} "${s.name}" is drawn with ${JSON.stringify(s.data)}, not its data ${JSON.stringify(want)}`);
      });
      options = { xAxis: built.xAxis, series: builtSeries };
    }
    const cats = ([].concat(options.xAxis || [])[0] || {}).data || [];
    const weeks = cats.slice(0, 6);
    const months = cats.slice(7);
    if (cats.length !== 19 || !weeks.every((c) => /^W\d{1,2}$/.test(c)) || cats[6] !== '' || !months.every((c) => c && c.trim())) {
      problems.push(`x axis is not 6 weeks, a gap and 12 months: ${JSON.stringify(cats)}`);
    }
    const figure = el.closest('figure');
    const table = figure && figure.querySelector('details.numbers table');
    if (!table || !table.tHead || !table.tBodies[0]) {
      problems.push('no numbers table in the chart figure');
      continue;
    }
    const rows = [...table.tBodies[0].rows];
    const label = (row) => row.cells[0].textContent.trim();
    const weekRows = rows.filter((row) => /^Week /.test(label(row)));
    const monthRows = rows.filter((row) => !/^Week /.test(label(row)));
    if (weekRows.length !== 6 || monthRows.length !== 12) {
      problems.push(`table has ${weekRows.length} week rows and ${monthRows.length} month rows, not 6 and 12`);
    }
    weekRows.forEach((row, i) => {
      if (weeks[i] && !new RegExp(`\\b${weeks[i]}\\b`).test(label(row))) problems.push(`table row "${label(row)}" is not axis week ${weeks[i]}`);
    });
    monthRows.forEach((row, i) => {
      if (months[i] && !label(row).startsWith(months[i].slice(0, 3))) problems.push(`table row "${label(row)}" is not axis month ${months[i]}`);
    });
    const headers = [...table.tHead.rows[0].cells].slice(1).map((c) => c.textContent.trim());
    const series = options.series || [];
    res.series = series.length;
    const columns = new Set(series.map((s) => s.column));
    if (series.length !== 2 * columns.size || [...columns].some((c) => !(c >= 1 && c <= headers.length))) {
      problems.push(`${series.length} series for table columns ${[...columns]} of ${headers.length} (expected a weekly and a monthly series per column)`);
    }
    const points = series.map((s) => (s.data || []).map((v, i) => [i, value(v)]).filter(([, v]) => v !== null && v !== undefined));
    series.forEach((s, si) => {
      const column = s.column;
      const monthly = si % 2 === 1;
      const header = headers[column - 1] || '';
      const name = String(s.name || '');
      if (!name.toLowerCase().endsWith(header.toLowerCase()) && !header.toLowerCase().endsWith(name.toLowerCase())) {
        problems.push(`series ${si} "${name}" does not match table column "${header}"`);
      }
      const [first, last] = monthly ? [7, 18] : [0, 5];
      if (points[si].some(([i]) => i < first || i > last)) problems.push(`series ${si} "${name}" has points outside its ${monthly ? 'months' : 'weeks'}`);
      const cells = (monthly ? monthRows : weekRows).map((row) => row.cells[column]);
      const filled = cells.filter((cell) => cell && !cell.classList.contains('gap') && cell.textContent.trim() !== GAP && cell.textContent.trim() !== '');
      if (points[si].length !== filled.length) {
        problems.push(`series ${si} "${name}" has ${points[si].length} points but its table column has ${filled.length} values`);
      }
      for (const [i, v] of points[si]) {
        const cell = cells[i - first];
        const text = cell ? (cell.querySelector('[aria-hidden="true"]') || cell).textContent.trim() : '';
        if (!sameNumber(text, v)) problems.push(`series ${si} "${name}" point ${cats[i]} is ${v} but its table cell reads "${text}"`);
      }
      res.values += filled.length;
    });
    if (!drawn) continue;

    const chart = window.echarts && window.echarts.getInstanceByDom(el);
    const svg = el.querySelector('svg');
    if (!svg) problems.push('no SVG drawn');
    if (!el.classList.contains('drawn')) problems.push('container not marked .drawn');
    if (!chart || !svg) continue;
    const box = svg.getBoundingClientRect();
    if (box.width < 200 || box.height < 150) problems.push(`SVG is only ${box.width}x${box.height}px`);
    const symbols = [...svg.querySelectorAll('path[transform^="matrix"]')].map((p) => {
      const n = p.getAttribute('transform').replace(/^matrix\(|\)$/g, '').split(/[\s,]+/).map(Number);
      return { x: n[4], y: n[5], used: false };
    });
    const lines = [...svg.querySelectorAll('g[clip-path] > path')].map((p) => polyline(p.getAttribute('d'))).filter(Boolean);
    series.forEach((s, si) => {
      const pixels = points[si].map(([i, v]) => chart.convertToPixel({ seriesIndex: si }, [i, v]));
      let missing = 0;
      for (const [x, y] of pixels) {
        const symbol = symbols.find((q) => !q.used && Math.abs(q.x - x) <= TOL && Math.abs(q.y - y) <= TOL);
        if (symbol) {
          symbol.used = true;
          res.symbols += 1;
        } else {
          missing += 1;
        }
      }
      if (missing) problems.push(`series ${si} "${s.name}": ${missing} of ${pixels.length} points have no symbol drawn`);
      if (s.type === 'line' && pixels.length >= 2) {
        const through = lines.some(
          (vertices) => vertices.length === pixels.length && vertices.every(([x, y], j) => Math.abs(x - pixels[j][0]) <= TOL && Math.abs(y - pixels[j][1]) <= TOL),
        );
        if (through) res.lines += 1;
        else problems.push(`series ${si} "${s.name}": no line path through its ${pixels.length} points`);
      }
    });
    // Annotation pins (markPoint) are symbols of their own, one per pin.
    const pins = chart.getOption().series.reduce((n, s) => n + ((s.markPoint && s.markPoint.data) || []).length, 0);
    const stray = symbols.filter((q) => !q.used).length - pins;
    if (stray > 0) problems.push(`${stray} drawn symbols match no data point`);
  }
  return results;
}

/**
 * Without JavaScript: every chart figure must show its numbers table (open,
 * visible, not clipped away) and must not leave an empty chart box.
 */
export function inspectNoScript() {
  const results = [];
  for (const figure of document.querySelectorAll('figure.chart-block')) {
    const problems = [];
    const canvas = figure.querySelector('.chart-canvas');
    const details = figure.querySelector('details.numbers');
    const table = details && details.querySelector('table');
    if (!document.documentElement.classList.contains('no-js')) problems.push('html lost its no-js class although scripts are off');
    if (canvas && getComputedStyle(canvas).display !== 'none') problems.push('an empty chart box is shown');
    if (!details || !details.open) problems.push('numbers are folded away');
    if (!table) problems.push('no numbers table');
    else {
      const box = table.getBoundingClientRect();
      if (!table.checkVisibility({ opacityProperty: true, visibilityProperty: true }) || box.width < 50 || box.height < 50) problems.push(`table not visible (${box.width}x${box.height})`);
      const cells = [...table.querySelectorAll('tbody td')];
      const unreadable = cells.filter((cell) => {
        const style = getComputedStyle(cell);
        return style.visibility !== 'visible' || parseFloat(style.fontSize) < 9 || cell.getBoundingClientRect().height < 8;
      });
      if (unreadable.length) problems.push(`${unreadable.length} cells are hidden or too small to read`);
      if (!cells.some((cell) => /\d/.test(cell.innerText))) problems.push('no number is rendered in the table');
    }
    results.push({ id: figure.id, problems, rows: table ? table.tBodies[0].rows.length : 0 });
  }
  return results;
}

/**
 * Layout problems of the page as it is laid out now, `pageWidth` CSS px
 * wide (the viewport, or the paper's printable width). Returns lists of
 * short descriptions:
 *  - overlaps: two texts of one chart (axis labels, legend, names, target
 *    labels) whose boxes intersect;
 *  - textOut: a chart text outside its chart's box;
 *  - chartOut: a chart's drawing outside its card (the figure);
 *  - cuts: an element whose content is wider than the element and is not a
 *    scroll container (its content is cut or runs into its neighbour);
 *  - wide: an element reaching past the page's edge (outside any scroll
 *    container), counted once at its outermost.
 */
export function inspectLayout({ pageWidth }) {
  const TOL = 1; // px
  const out = { overlaps: [], textOut: [], chartOut: [], cuts: [], wide: [] };
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}`;
  };
  const where = (el) => {
    const fig = el.closest('figure, section, li, tr, dl');
    const id = fig && (fig.id || fig.closest('[id]')?.id);
    return id ? ` in #${id}` : '';
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity) !== 0;
  };
  for (const canvas of document.querySelectorAll('.chart-canvas')) {
    const svg = canvas.querySelector('svg');
    if (!svg || !visible(canvas)) continue;
    const box = canvas.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')]
      .filter((t) => t.textContent.trim() && visible(t) && t.getAttribute('fill-opacity') !== '0' && t.getAttribute('opacity') !== '0')
      .map((t) => ({ text: t.textContent.trim(), r: t.getBoundingClientRect() }));
    for (let i = 0; i < texts.length; i += 1) {
      const a = texts[i];
      if (a.r.left < box.left - TOL || a.r.right > box.right + TOL || a.r.top < box.top - TOL || a.r.bottom > box.bottom + TOL) {
        out.textOut.push(`#${canvas.id}: "${a.text}" leaves the chart`);
      }
      for (let j = i + 1; j < texts.length; j += 1) {
        const b = texts[j];
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > TOL && h > TOL) out.overlaps.push(`#${canvas.id}: "${a.text}" overlaps "${b.text}"`);
      }
    }
    const card = canvas.closest('figure') || canvas.parentElement;
    const c = card.getBoundingClientRect();
    const s = svg.getBoundingClientRect();
    if (s.left < c.left - TOL || s.right > c.right + TOL || s.top < c.top - TOL || s.bottom > c.bottom + TOL) {
      out.chartOut.push(`#${canvas.id}: chart ${Math.round(s.width)}px wide reaches past its ${Math.round(c.width)}px card`);
    }
  }
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const clippedCache = new Map();
  const clipped = (el) => {
    const p = el.parentElement;
    if (!p || p === document.body) return false;
    if (!clippedCache.has(p)) clippedCache.set(p, scrolls(p) || p.classList.contains('visually-hidden') || clipped(p));
    return clippedCache.get(p);
  };
  const all = [...document.body.querySelectorAll('*')].filter((el) => !el.closest('svg, .chart-canvas, .visually-hidden, .skip-link:not(:focus), script, style, template, details:not([open]) > :not(summary)'));
  const wide = new Set();
  for (const el of all) {
    if (!visible(el)) continue;
    const s = getComputedStyle(el);
    if (s.display !== 'inline' && !scrolls(el) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + TOL && !clipped(el)) {
      out.cuts.push(`${name(el)}${where(el)}: content ${el.scrollWidth}px in ${el.clientWidth}px ("${el.textContent.trim().replace(/\s+/g, ' ').slice(0, 40)}")`);
    }
    const r = el.getBoundingClientRect();
    if ((r.right > pageWidth + TOL || r.left < -TOL) && !clipped(el)) {
      wide.add(el);
      if (!el.parentElement || !wide.has(el.parentElement)) out.wide.push(`${name(el)}${where(el)}: ${Math.round(r.left)}..${Math.round(r.right)}px on a ${pageWidth}px page`);
    }
  }
  return out;
}

/**
 * The layout of every chart's axes, to compare one metric's chart across
 * versions: how many value axes, their names, and whether they are split.
 */
export function chartLayouts() {
  const layouts = {};
  for (const canvas of document.querySelectorAll('.chart-canvas')) {
    const chart = window.echarts && window.echarts.getInstanceByDom(canvas);
    if (!chart) continue;
    const figure = canvas.closest('figure');
    const options = chart.getOption();
    const y = [].concat(options.yAxis || []);
    layouts[figure?.id || canvas.id] = JSON.stringify({ axes: y.length, names: y.map((a) => a.name || ''), series: (options.series || []).map((s) => s.yAxisIndex || 0) });
  }
  return layouts;
}
