// Charts of the results pages. Data come from {{ ...|json_script }} elements; no inline scripts.
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function init(el) {
    if (!window.echarts) { return null; }
    var chart = window.echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  var comma = (document.documentElement.lang || "vi").indexOf("vi") === 0;
  function num(value) {
    if (value === null || value === undefined) { return ""; }
    var text = String(Math.round(value * 100) / 100);
    return comma ? text.replace(".", ",") : text;
  }
  var group = data("results-chart-data");
  var trend = data("results-trend-data");
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var kind = el.getAttribute("data-chart");
    var rows = parseInt(el.getAttribute("data-rows") || "0", 10);
    el.style.height = Math.max(260, 40 + rows * 28) + "px";
    var chart = init(el);
    if (!chart) { return; }
    if (kind === "ranking" && group) {
      chart.setOption({
        grid: { left: 160, right: 30, top: 10, bottom: 30 },
        xAxis: { type: "value", max: 100, name: group.labels.index },
        yAxis: { type: "category", data: group.units.slice().reverse(), axisLabel: { width: 150, overflow: "truncate" } },
        tooltip: {},
        series: [{ type: "bar", data: group.index.slice().reverse(),
                   label: { show: true, position: "right", formatter: function (p) { return num(p.value); } } }]
      });
    } else if (kind === "classes" && group) {
      chart.setOption({ tooltip: {}, series: [{ type: "pie", radius: "65%", data: group.classes }] });
    } else if (kind === "heatmap" && group) {
      chart.setOption({
        tooltip: {}, grid: { left: 160, top: 10, bottom: 60 },
        xAxis: { type: "category", data: group.heat.areas },
        yAxis: { type: "category", data: group.heat.units, axisLabel: { width: 150, overflow: "truncate" } },
        visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ type: "heatmap", data: group.heat.cells,
                   label: { show: true, formatter: function (p) { return num(p.value[2]); } } }]
      });
    } else if (kind === "trend" && trend) {
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: {},
        xAxis: { type: "category", data: trend.years },
        yAxis: [{ type: "value", max: 100, name: trend.labels.index }, { type: "value", inverse: true, minInterval: 1, name: trend.labels.rank }],
        series: [
          { type: "line", name: trend.labels.index, data: trend.index },
          { type: "line", name: trend.labels.rank, yAxisIndex: 1, data: trend.rank }
        ]
      });
    }
  });
}());
