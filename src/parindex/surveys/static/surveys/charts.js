// Charts of the survey result pages. Data come from the json_script element "survey-chart-data".
(function () {
  "use strict";
  var source = document.getElementById("survey-chart-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var comma = (document.documentElement.lang || "vi").indexOf("vi") === 0;
  function num(value) {
    if (value === null || value === undefined) { return ""; }
    var text = String(Math.round(value * 100) / 100);
    return comma ? text.replace(".", ",") : text;
  }
  document.querySelectorAll("[data-survey-chart]").forEach(function (el) {
    var kind = el.getAttribute("data-survey-chart");
    var chart;
    if (kind === "unit") {
      el.style.height = Math.max(240, 60 + data.questions.length * 26) + "px";
      chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: num }, legend: {},
        grid: { left: 50, right: 20, top: 30, bottom: 50 },
        xAxis: { type: "value", max: 100, name: data.labels.share, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "category", data: data.questions.slice().reverse() },
        series: data.series.map(function (s) {
          return { type: "bar", stack: "all", name: s.name, data: s.data.slice().reverse() };
        })
      });
    } else if (kind === "overview") {
      var rows = parseInt(el.getAttribute("data-rows") || "0", 10);
      el.style.height = Math.max(260, 90 + rows * (data.leaves.length + 1) * 14) + "px";
      chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: num }, legend: {},
        grid: { left: 160, right: 20, top: 30, bottom: 50 },
        xAxis: { type: "value", max: 100, name: data.labels.score, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "category", data: data.units.slice().reverse(), axisLabel: { width: 150, overflow: "truncate" } },
        series: data.leaves.map(function (code, i) {
          return { type: "bar", name: code, data: data.percent.map(function (row) { return row[i]; }).reverse() };
        }).concat([{ type: "bar", name: data.labels.rate, data: data.rate.slice().reverse() }])
      });
    }
    if (chart) { window.addEventListener("resize", function () { chart.resize(); }); }
  });
}());
