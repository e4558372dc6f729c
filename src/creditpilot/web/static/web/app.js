/* creditpilot pages: charts (vendored ECharts) and the progress of an import. No external code. */
(function () {
  "use strict";
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var lang = document.documentElement.lang || "fr";
  var amounts = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function agingChart() {
    var node = document.getElementById("aging-chart");
    var d = data("chart-data");
    if (!node || !d || !window.echarts) return;
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: !reduced,
      grid: { left: 80, right: 20, top: 20, bottom: 40 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return amounts.format(v) + " " + d.currency; } },
      xAxis: { type: "category", data: d.buckets, axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return amounts.format(v); } } },
      series: [{
        type: "bar", data: d.amounts, name: d.currency,
        itemStyle: { color: function (p) { return ["#1e7d45", "#e0a100", "#e07000", "#c2410c", "#b3261e"][p.dataIndex]; } }
      }]
    });
    node.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // month ends as "déc. 25", any other day as "3 déc.": in the page's language
  var monthLabel = new Intl.DateTimeFormat(lang, { month: "short", year: "2-digit", timeZone: "UTC" });
  var dayLabel = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" });
  function dateLabel(iso) {
    var day = new Date(iso + "T00:00:00Z");
    var next = new Date(day.getTime() + 86400000);
    return next.getUTCDate() === 1 ? monthLabel.format(day) : dayLabel.format(day);
  }

  function trendChart() {
    var node = document.getElementById("dso-chart");
    var d = data("chart-data");
    if (!node || !d || !window.echarts || !d.trend_dates.length) return;
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: !reduced,
      grid: { left: 50, right: 20, top: 30, bottom: 40 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : oneDecimal.format(v) + "\u00a0" + (node.dataset.unit || ""); } },
      legend: { data: [node.dataset.dso, node.dataset.best] },
      xAxis: { type: "category", data: d.trend_dates.map(dateLabel) },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return amounts.format(v); } } },
      series: [
        { type: "line", name: node.dataset.dso, data: d.trend_dso, connectNulls: true },
        { type: "line", name: node.dataset.best, data: d.trend_best, connectNulls: true, lineStyle: { type: "dashed" } }
      ]
    });
    node.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // the KPI history of the month ends, for the company, a segment or a sales rep
  function historyCharts() {
    var days = document.getElementById("history-days");
    var money = document.getElementById("history-amounts");
    var pick = document.getElementById("history-group");
    var d = data("history-data");
    if (!days || !money || !pick || !d || !window.echarts || !d.dates.length) return;
    var dayChart = echarts.init(days, null, { renderer: "svg" });
    var moneyChart = echarts.init(money, null, { renderer: "svg" });
    var labels = d.dates.map(dateLabel);
    function draw(key) {
      var s = d.series[key];
      if (!s) return;
      dayChart.setOption({
        animation: !reduced,
        grid: { left: 50, right: 50, top: 30, bottom: 40 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : oneDecimal.format(v); } },
        legend: { data: [days.dataset.dso, days.dataset.best, days.dataset.add, days.dataset.ratio] },
        xAxis: { type: "category", data: labels },
        yAxis: [
          { type: "value", name: days.dataset.unit, axisLabel: { formatter: function (v) { return amounts.format(v); } } },
          { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } }
        ],
        series: [
          { type: "line", name: days.dataset.dso, data: s.dso, connectNulls: true },
          { type: "line", name: days.dataset.best, data: s.best, connectNulls: true, lineStyle: { type: "dashed" } },
          { type: "line", name: days.dataset.add, data: s.add, connectNulls: true },
          { type: "bar", name: days.dataset.ratio, data: s.ratio, yAxisIndex: 1, itemStyle: { opacity: 0.35 } }
        ]
      }, true);
      moneyChart.setOption({
        animation: !reduced,
        grid: { left: 80, right: 20, top: 30, bottom: 40 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : amounts.format(v) + " " + money.dataset.currency; } },
        legend: { data: [money.dataset.total, money.dataset.overdue, money.dataset.loss] },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", axisLabel: { formatter: function (v) { return amounts.format(v); } } },
        series: [
          { type: "bar", name: money.dataset.total, data: s.total },
          { type: "bar", name: money.dataset.overdue, data: s.overdue, itemStyle: { color: "#c2410c" } },
          { type: "line", name: money.dataset.loss, data: s.loss, connectNulls: true, itemStyle: { color: "#b3261e" } }
        ]
      }, true);
      days.setAttribute("data-rendered", key);
      money.setAttribute("data-rendered", key);
    }
    pick.addEventListener("change", function () { draw(pick.value); });
    draw(pick.value);
    window.addEventListener("resize", function () { dayChart.resize(); moneyChart.resize(); });
  }

  function scoreChart() {
    var node = document.getElementById("score-chart");
    var d = data("score-data");
    if (!node || !d || !window.echarts || !d.days.length) return;
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: !reduced,
      grid: { left: 36, right: 12, top: 12, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.days.map(dateLabel) },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ type: "line", name: node.dataset.label, data: d.scores, step: "end" }]
    });
    node.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // a week by its first day, "6 juil." (never a month's label, even on a month's last day)
  function weekLabel(iso) { return dayLabel.format(new Date(iso + "T00:00:00Z")); }

  // the weeks' expected cash-in as bars, the 80 % band as a shaded range around them
  function forecastChart() {
    var node = document.getElementById("forecast-chart");
    var d = data("forecast-data");
    if (!node || !d || !window.echarts || !d.weeks.length) return;
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    var low = d.low.map(Number);
    var width = d.high.map(function (h, i) { return Number(h) - low[i]; });
    chart.setOption({
      animation: !reduced,
      grid: { left: 80, right: 20, top: 30, bottom: 40 },
      legend: { data: [node.dataset.expected, node.dataset.band] },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          return weekLabel(d.weeks[i]) + "<br>" + node.dataset.expected + " : " + amounts.format(d.expected[i]) + " " + d.currency +
            "<br>" + node.dataset.band + " : " + amounts.format(d.low[i]) + " – " + amounts.format(d.high[i]) + " " + d.currency;
        }
      },
      xAxis: { type: "category", data: d.weeks.map(weekLabel), axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return amounts.format(v); } } },
      series: [
        { type: "line", stack: "band", data: low, symbol: "none", lineStyle: { opacity: 0 }, silent: true },
        { type: "line", stack: "band", name: node.dataset.band, data: width, symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(30, 125, 69, 0.18)" }, silent: true },
        { type: "bar", name: node.dataset.expected, data: d.expected.map(Number), itemStyle: { color: "#1e7d45" } }
      ]
    });
    node.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function importProgress() {
    var node = document.getElementById("import-progress");
    if (!node || node.dataset.finished === "1") return;
    var stages = ["reading", "customers", "storing", "matching"];
    function poll() {
      fetch(node.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.finished) { window.location.reload(); return; }
          var i = stages.indexOf(s.stage);
          node.querySelector("div").style.width = (i < 0 ? 5 : 20 + 20 * i) + "%";
          var label = document.getElementById("import-stage");
          // the stages' words in the page's language, given by the page itself
          var words = JSON.parse(node.dataset.stages || "{}");
          var code = s.stage || s.status;
          if (label) label.textContent = words[code] || code;
          setTimeout(poll, 700);
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    agingChart();
    trendChart();
    historyCharts();
    scoreChart();
    forecastChart();
    importProgress();
  });
})();
