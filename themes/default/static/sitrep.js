/* sitrep: draws every 6-12 chart of the page from its JSON options with the
 * ECharts runtime served from assets/. No inline script is needed, so a
 * Content-Security-Policy of `script-src 'self'` works. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var charts = [];

  function cssVar(name, fallback) {
    var value = getComputedStyle(root).getPropertyValue(name);
    return value && value.trim() ? value.trim() : fallback;
  }

  /* Width and height a chart is drawn at on paper; the print stylesheet
   * scales the drawing to the paper's width from there (A4 and Letter
   * leave 700-730 px between 12 mm margins). */
  var PRINT_WIDTH = 680;
  var PRINT_HEIGHT = 250;

  /* 12.3K, 1.2M, 3B for axis labels; tables keep the full numbers. */
  function abbreviate(value) {
    var size = Math.abs(value);
    var units = [[1e9, "B"], [1e6, "M"], [1e3, "K"]];
    for (var i = 0; i < units.length; i += 1) {
      if (size >= units[i][0]) {
        return trim((value / units[i][0]).toFixed(size >= 10 * units[i][0] ? 1 : 2)) + units[i][1];
      }
    }
    return trim(value.toFixed(size >= 100 ? 0 : size >= 10 ? 1 : 2));
  }

  function trim(digits) {
    return digits.indexOf(".") === -1 ? digits : digits.replace(/\.?0+$/, "");
  }

  function axisFormatter(meta) {
    return function (value) {
      var text = abbreviate(value);
      var negative = text.charAt(0) === "-";
      if (negative) { text = text.slice(1); }
      return (negative ? "\u2212" : "") + (meta.prefix || "") + text + (meta.unit || "");
    };
  }

  /* The table's text of a series' point (texts start at `from`). */
  function textOf(info, index) {
    if (!info || !info.text) { return null; }
    var text = info.text[index - (info.from || 0)];
    return text === undefined ? null : text;
  }

  /* The axis tooltip: the period, then each series once with the value as
   * its table writes it (a week's point is on the weekly series, a month's
   * on the monthly one; the other is empty there and left out). */
  function tooltipFormatter(meta) {
    return function (params) {
      var list = [].concat(params || []);
      if (!list.length) { return ""; }
      var lines = [];
      var seen = {};
      list.forEach(function (p) {
        var info = meta.series[p.seriesIndex];
        var text = textOf(info, p.dataIndex);
        if (text === null || text === undefined || seen[p.seriesName]) { return; }
        seen[p.seriesName] = true;
        lines.push((p.marker || "") + p.seriesName + ": " + text);
      });
      if (!lines.length) { return ""; }
      return [list[0].axisValueLabel || list[0].name].concat(lines).join("\n");
    };
  }

  /* The target line's value, written once at its last point, or at its
   * first when an annotation pin stands where the label would run (the
   * label reaches about two slots back from its point). */
  function labelTarget(options, meta) {
    var last = null;
    var first = null;
    (options.series || []).forEach(function (series, index) {
      var info = meta.series[index];
      if (!info || info.role !== "target") { return; }
      (series.data || []).forEach(function (value, at) {
        if (value === null || value === undefined) { return; }
        last = { series: index, at: at, value: value, align: "right" };
        if (!first) { first = { series: index, at: at, value: value, align: "left" }; }
      });
    });
    if (!last) { return; }
    var pins = [];
    (options.series || []).forEach(function (series) {
      ((series.markPoint && series.markPoint.data) || []).forEach(function (pin) {
        if (pin.coord) { pins.push(pin.coord[0]); }
      });
    });
    var pinned = function (from, to) {
      return pins.some(function (x) { return x >= from && x <= to; });
    };
    if (pinned(last.at - 2, last.at) && !pinned(first.at, first.at + 2)) { last = first; }
    var series = options.series[last.series];
    var axis = [].concat(options.yAxis)[series.yAxisIndex || 0] || {};
    var high = axis.max !== undefined && axis.min !== undefined &&
      last.value > axis.min + 0.8 * (axis.max - axis.min);
    var text = "target " + textOf(meta.series[last.series], last.at);
    series.data[last.at] = {
      value: last.value,
      label: {
        show: true,
        formatter: function () { return text; },
        position: high ? "bottom" : "top",
        align: last.align,
        color: series.itemStyle && series.itemStyle.color,
        fontWeight: 600
      }
    };
  }

  /* The legend below the plot, with room of its own: one row when the
   * names fit the width (estimated at 7 px a character), else one name a
   * row. Long names are cut to fit, whole in the legend's tooltip. Returns
   * the options to merge and how much taller the chart must be. */
  function legendLayout(names, width, colour) {
    var widest = Math.max(60, Math.min(220, width - 64));
    var row = 0;
    names.forEach(function (name) { row += 40 + Math.min(7 * name.length, widest); });
    var textStyle = { color: colour, width: widest, overflow: "truncate" };
    if (row <= width - 16) {
      return { extra: 0, options: { legend: { type: "plain", orient: "horizontal", left: "center", bottom: 0, textStyle: textStyle }, grid: { bottom: 44 } } };
    }
    var rows = names.length;
    return {
      extra: rows * 20 - 20,
      options: { legend: { type: "plain", orient: "vertical", left: 8, bottom: 0, itemGap: 6, textStyle: textStyle }, grid: { bottom: 30 + rows * 20 } }
    };
  }

  /* Every period labelled where there is room (about 46 px a label, the
   * width of "Nov ’25"), else ECharts thins them out to fit. */
  function labelInterval(count, width) {
    return (width - 100) / Math.max(count, 1) >= 46 ? 0 : "auto";
  }

  function seriesNames(options) {
    var names = [];
    (options.series || []).forEach(function (series) {
      if (series.name && names.indexOf(series.name) === -1) { names.push(series.name); }
    });
    return names;
  }

  /* Axis and legend colours follow the page's (light or dark) palette;
   * formatters come from the chart's `sitrep` metadata. */
  function themed(options, width) {
    var text = cssVar("--text-muted", "#555");
    var line = cssVar("--rule", "#ddd");
    var meta = options.sitrep || { series: [] };
    delete options.sitrep;
    options.textStyle = { color: text, fontFamily: cssVar("--font-sans", "sans-serif") };
    if (options.legend) { options.legend.textStyle = { color: text }; }
    /* ECharts' default HTML tooltip writes inline style attributes, which a
     * Content-Security-Policy of `style-src 'self'` blocks on every hover;
     * rich text draws the tooltip inside the chart's SVG instead. */
    if (options.tooltip) {
      options.tooltip.renderMode = "richText";
      options.tooltip.formatter = tooltipFormatter(meta);
      options.tooltip.confine = true;
    }
    [].concat(options.xAxis || [], options.yAxis || []).forEach(function (axis) {
      axis.axisLine = { lineStyle: { color: line } };
      axis.splitLine = { lineStyle: { color: line } };
      axis.axisLabel = axis.axisLabel || {};
      axis.axisLabel.color = text;
      axis.nameTextStyle = axis.nameTextStyle || {};
      axis.nameTextStyle.color = text;
    });
    [].concat(options.yAxis || []).forEach(function (axis) {
      axis.axisLabel.formatter = axisFormatter(meta);
    });
    [].concat(options.xAxis || []).forEach(function (axis) {
      axis.axisLabel.interval = labelInterval((axis.data || []).length, width);
    });
    labelTarget(options, meta);
    return options;
  }

  function draw() {
    if (!window.echarts) { return; }
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
    Array.prototype.forEach.call(blocks, function (block) {
      var container = document.getElementById(block.getAttribute("data-chart"));
      if (!container) { return; }
      var options;
      try {
        options = JSON.parse(block.textContent);
      } catch (error) {
        return;
      }
      var width = container.clientWidth || 600;
      var base = container.clientHeight || 320;
      var names = seriesNames(options);
      var legend = legendLayout(names, width, cssVar("--text-muted", "#555"));
      if (legend.extra) { container.style.height = base + legend.extra + "px"; }
      options = themed(options, width);
      options.legend = Object.assign(options.legend || {}, legend.options.legend);
      options.grid = Object.assign(options.grid || {}, legend.options.grid);
      var chart = window.echarts.init(container, null, { renderer: "svg" });
      chart.setOption(options);
      charts.push({ chart: chart, names: names, periods: [].concat(options.xAxis || [])[0].data.length });
      container.classList.add("drawn");
      /* The chart now shows the numbers; their table stays one click away. */
      var figure = container.closest("figure");
      var details = figure && figure.querySelector("details.numbers");
      if (details) { details.open = false; }
    });
  }

  /* The week switcher: the same page in every version (the version's
   * summary when the program did not exist then), newest first. */
  function fillSwitcher() {
    var versions = window.SITREP_VERSIONS;
    var switcher = document.querySelector("details.switcher");
    if (!switcher || !versions) { return; }
    var list = switcher.querySelector("ul");
    var all = list.querySelector(".switcher-all");
    var rootPath = switcher.getAttribute("data-root") || "";
    var current = switcher.getAttribute("data-current");
    var program = switcher.getAttribute("data-program");
    versions.forEach(function (version) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      var samePage = program && version.programs.indexOf(program) !== -1;
      link.href = rootPath + version.id + "/" + (samePage ? program + "/" : "") + "index.html";
      link.appendChild(document.createTextNode(version.id));
      if (version.id === current) { link.setAttribute("aria-current", "page"); }
      var dot = document.createElement("span");
      dot.className = "status-dot status-" + version.status_class;
      dot.setAttribute("aria-hidden", "true");
      link.appendChild(dot);
      var label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = " (" + version.status_label + ")";
      link.appendChild(label);
      if (version.draft) {
        var tag = document.createElement("span");
        tag.className = "draft-tag";
        tag.textContent = "draft";
        link.appendChild(document.createTextNode(" "));
        link.appendChild(tag);
      }
      item.appendChild(link);
      list.insertBefore(item, all);
    });
  }

  var print = window.matchMedia ? window.matchMedia("print") : null;
  var printing = false;

  /* On paper the charts are drawn at one size that fits A4 and Letter; the
   * print stylesheet scales them to the page's width. */
  function toPaper() {
    if (printing) { return; }
    printing = true;
    charts.forEach(function (entry) {
      var height = PRINT_HEIGHT + relayLegend(entry, PRINT_WIDTH);
      entry.chart.resize({ width: PRINT_WIDTH, height: height });
      paintNow(entry.chart);
      var svg = entry.chart.getDom().querySelector("svg");
      if (svg) { svg.setAttribute("viewBox", "0 0 " + PRINT_WIDTH + " " + height); }
    });
  }

  /* ECharts paints on the next animation frame, which a browser about to
   * print may never run: paint at once, so the page goes to paper at the
   * paper's size. */
  function paintNow(chart) {
    var zr = chart.getZr && chart.getZr();
    if (zr && zr.flush) { zr.flush(); }
  }

  function toScreen() {
    if (!printing) { return; }
    printing = false;
    charts.forEach(function (entry) {
      var svg = entry.chart.getDom().querySelector("svg");
      if (svg) { svg.removeAttribute("viewBox"); }
      fitScreen(entry);
      paintNow(entry.chart);
    });
  }

  /* Lays the legend out again for `width`; returns the extra height. */
  function relayLegend(entry, width) {
    var legend = legendLayout(entry.names, width, cssVar("--text-muted", "#555"));
    legend.options.xAxis = { axisLabel: { interval: labelInterval(entry.periods, width) } };
    entry.chart.setOption(legend.options);
    return legend.extra;
  }

  function fitScreen(entry) {
    var container = entry.chart.getDom();
    var extra = relayLegend(entry, container.clientWidth || 600);
    /* The stylesheet's height (it differs on a phone), plus the legend's. */
    container.style.height = "";
    if (extra) { container.style.height = container.clientHeight + extra + "px"; }
    entry.chart.resize();
  }

  function resize() {
    if (printing) { return; }
    charts.forEach(fitScreen);
  }

  function start() {
    fillSwitcher();
    draw();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", toPaper);
  window.addEventListener("afterprint", toScreen);
  if (print) {
    var onPrint = function (event) { if (event.matches) { toPaper(); } else { toScreen(); } };
    if (print.addEventListener) { print.addEventListener("change", onPrint); } else if (print.addListener) { print.addListener(onPrint); }
  }
})();
