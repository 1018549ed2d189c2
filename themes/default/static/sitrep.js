/* sitrep: draws every 6-12 chart of the page from the page's JSON chart
 * data with the ECharts runtime served from assets/. No inline script is needed, so a
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

  /* Colours of a chart's lines in turn (the first, second and third
   * metric, the further lines of a breakdown), and of targets. */
  var PALETTE = ["#1d4ed8", "#c2410c", "#047857", "#7c3aed", "#be185d", "#0e7490", "#a16207", "#4b5563"];
  var TARGET_COLOUR = "#b91c1c";

  /* A line's look by its role: current year solid (primary thicker), prior
   * year dashed and lighter, target thin, dashed, with diamonds. */
  function lineStyle(line) {
    if (line.role === "target") {
      return {
        symbol: "diamond",
        symbolSize: 7,
        itemStyle: { color: TARGET_COLOUR },
        lineStyle: { color: TARGET_COLOUR, width: 1.5, type: "dashed" }
      };
    }
    var colour = PALETTE[line.colour || 0];
    var prior = line.role === "prior";
    var opacity = prior ? 0.6 : 1;
    return {
      symbol: "circle",
      symbolSize: prior ? 4 : 6,
      itemStyle: { color: colour, opacity: opacity },
      lineStyle: {
        color: colour,
        width: prior ? 1.5 : line.secondary ? 2 : 3,
        opacity: opacity,
        type: prior ? "dashed" : "solid"
      }
    };
  }

  function valueAxis(scale, name, right) {
    var axis = {
      type: "value",
      min: scale[0],
      max: scale[0] + scale[2] * scale[1],
      interval: scale[1],
      splitNumber: scale[2],
      axisLabel: { hideOverlap: true }
    };
    if (name) {
      axis.name = name;
      axis.nameLocation = "end";
      axis.nameGap = 10;
      axis.nameTextStyle = { align: right ? "right" : "left" };
    }
    return axis;
  }

  /* A chart's ECharts options from its data (see sitrep's chart.rs): the
   * x axis is its weeks, an empty gap, its months; each line is drawn as
   * a weekly and a monthly series, the monthly on the months' axis when
   * the chart has one. `table` is the chart's numbers table, a column per
   * line in order and a row per week and month: the tooltips and the
   * target's label write the values as it does. */
  function chartOptions(chart, labels, table) {
    var weeks = labels.weeks.length;
    var slots = weeks + 1 + labels.months.length;
    var separate = chart.y.length > 1;
    var series = [];
    var meta = { unit: chart.unit || "", prefix: chart.prefix || "", series: [] };
    chart.series.forEach(function (line, index) {
      [line.w, line.m].forEach(function (values, monthly) {
        var data = [];
        for (var slot = 0; slot < slots; slot += 1) { data.push(null); }
        var offset = monthly ? weeks + 1 : 0;
        values.forEach(function (value, at) {
          if (offset + at < slots) { data[offset + at] = value === undefined ? null : value; }
        });
        var options = { type: "line", name: line.name };
        var style = lineStyle(line);
        Object.keys(style).forEach(function (key) { options[key] = style[key]; });
        options.data = data;
        options.yAxisIndex = monthly && separate ? 1 : 0;
        series.push(options);
        meta.series.push({ role: line.role || "value", column: line.column || index + 1, weeks: weeks, table: table, data: data });
      });
    });
    (chart.pins || []).forEach(function (pin) {
      var target = series[2 * pin[0] + (pin[1] > weeks ? 1 : 0)];
      if (!target) { return; }
      if (!target.markPoint) {
        target.markPoint = {
          symbol: "pin",
          symbolSize: 30,
          label: { show: true, fontSize: 11 },
          tooltip: { trigger: "item", formatter: "{b}" },
          data: []
        };
      }
      target.markPoint.data.push({ name: pin[3], value: pin[2], coord: [pin[1], target.data[pin[1]]] });
    });
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll", tooltip: { show: true } },
      grid: { left: 8, right: separate ? 8 : 16, top: 32, bottom: 44, containLabel: true },
      xAxis: {
        type: "category",
        data: labels.weeks.concat([""], labels.months),
        axisTick: { alignWithLabel: true },
        axisLabel: { hideOverlap: true }
      },
      yAxis: separate
        ? [valueAxis(chart.y[0], "weekly", false), valueAxis(chart.y[1], "monthly", true)]
        : [valueAxis(chart.y[0])],
      series: series,
      sitrep: meta
    };
  }

  /* The table's text of a series' point at slot `index` of the x axis
   * (weeks, a gap, months: the table has no row for the gap). */
  function textOf(info, index) {
    if (!info || !info.table || index === info.weeks) { return null; }
    var row = info.table.tBodies[0] && info.table.tBodies[0].rows[index < info.weeks ? index : index - 1];
    var cell = row && row.cells[info.column];
    return cell ? cell.textContent.trim() : null;
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
        var value = info && info.data ? info.data[p.dataIndex] : null;
        if (value === null || value === undefined || seen[p.seriesName]) { return; }
        var text = textOf(info, p.dataIndex);
        if (text === null) { return; }
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

  /* Every chart of the page: the page's chart data block (its deck) and
   * the blocks of charts outside it (in narratives), each a list of
   * distinct x axes and the charts' data. */
  function chartData() {
    var found = [];
    var blocks = document.querySelectorAll('script[type="application/json"]#sitrep-charts, script[type="application/json"][data-chart]');
    Array.prototype.forEach.call(blocks, function (block) {
      var set;
      try {
        set = JSON.parse(block.textContent);
      } catch (error) {
        return;
      }
      (set.charts || []).forEach(function (chart) {
        var labels = set.x && set.x[chart.x || 0];
        var id = chart.id || block.getAttribute("data-chart");
        if (labels && id) { found.push({ id: id, chart: chart, labels: labels }); }
      });
    });
    return found;
  }

  function draw() {
    if (!window.echarts) { return; }
    chartData().forEach(function (entry) {
      var container = document.getElementById(entry.id);
      if (!container) { return; }
      var figure = container.closest("figure");
      var table = figure && figure.querySelector("details.numbers table");
      var options = chartOptions(entry.chart, entry.labels, table);
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
