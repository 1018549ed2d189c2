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

  /* Axis and legend colours follow the page's (light or dark) palette. */
  function themed(options) {
    var text = cssVar("--text-muted", "#555");
    var line = cssVar("--rule", "#ddd");
    options.textStyle = { color: text, fontFamily: cssVar("--font-sans", "sans-serif") };
    if (options.legend) { options.legend.textStyle = { color: text }; }
    /* ECharts' default HTML tooltip writes inline style attributes, which a
     * Content-Security-Policy of `style-src 'self'` blocks on every hover;
     * rich text draws the tooltip inside the chart's SVG instead. */
    if (options.tooltip) { options.tooltip.renderMode = "richText"; }
    [].concat(options.xAxis || [], options.yAxis || []).forEach(function (axis) {
      axis.axisLine = { lineStyle: { color: line } };
      axis.splitLine = { lineStyle: { color: line } };
      axis.axisLabel = axis.axisLabel || {};
      axis.axisLabel.color = text;
      axis.nameTextStyle = { color: text };
    });
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
      var chart = window.echarts.init(container, null, { renderer: "svg" });
      chart.setOption(themed(options));
      charts.push(chart);
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

  function resize() {
    charts.forEach(function (chart) { chart.resize(); });
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
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
