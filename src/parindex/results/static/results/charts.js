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
  // Index colours read like a school report: red is weak, green is strong (never the reverse).
  var SCALE = ["#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850"];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var kind = el.getAttribute("data-chart");
    var rows = parseInt(el.getAttribute("data-rows") || "0", 10);
    el.style.height = Math.max(260, (kind === "heatmap" ? 110 : 55) + rows * 28) + "px";
    var chart = init(el);
    if (!chart) { return; }
    var narrow = el.clientWidth < 576;  // a phone: shorter unit names, no numbers in the heat map cells
    var nameWidth = narrow ? 90 : 150;
    if (kind === "ranking" && group) {
      chart.setOption({
        grid: { left: nameWidth + 10, right: 40, top: 10, bottom: 45 },
        xAxis: { type: "value", min: 0, max: 100, name: group.labels.index, nameLocation: "middle", nameGap: 25 },
        yAxis: { type: "category", data: group.units.slice().reverse(), axisLabel: { width: nameWidth, overflow: "truncate" } },
        tooltip: { valueFormatter: num },
        series: [{ type: "bar", data: group.index.slice().reverse(),
                   label: { show: true, position: "right", formatter: function (p) { return num(p.value); } } }]
      });
    } else if (kind === "classes" && group) {
      // The usual bands of the Vietnamese frameworks get the colours of the scale; other labels keep ECharts' palette.
      var BAND = { "Xuất sắc": SCALE[5], "Tốt": SCALE[4], "Khá": SCALE[3], "Trung bình": SCALE[1], "Yếu": SCALE[0] };
      var slices = group.classes.map(function (c) {
        return BAND[c.name] ? { name: c.name, value: c.value, itemStyle: { color: BAND[c.name] } } : c;
      });
      chart.setOption({ tooltip: {}, series: [{ type: "pie", radius: narrow ? "55%" : "65%", data: slices }] });
    } else if (kind === "heatmap" && group) {
      var areas = group.heat.areas;
      var units = group.heat.units;
      var areaLabel = el.getAttribute("data-area-label") || "";
      chart.setOption({
        tooltip: { formatter: function (p) {
          return p.marker + units[p.value[1]] + "<br>" + areaLabel + " " + areas[p.value[0]] + ": <b>" + num(p.value[2]) + "%</b>";
        } },
        grid: { left: nameWidth + 10, right: 10, top: 30, bottom: 75 },
        xAxis: { type: "category", data: areas, position: "top", axisTick: { alignWithLabel: true } },
        // inverse: the first unit of the data (the best ranked) on top, as in the table below
        yAxis: { type: "category", data: units, inverse: true, axisLabel: { width: nameWidth, overflow: "truncate" } },
        visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                     itemHeight: narrow ? 200 : 300, inRange: { color: SCALE }, formatter: num },
        series: [{ type: "heatmap", data: group.heat.cells,
                   label: { show: !narrow, formatter: function (p) { return num(p.value[2]); } } }]
      });
    } else if (kind === "trend" && trend) {
      var ranks = trend.rank.filter(function (r) { return r !== null && r !== undefined; });
      var rankMax = Math.max.apply(null, [parseInt(el.getAttribute("data-rank-of") || "0", 10), 2].concat(ranks));
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: num },
        legend: {},
        grid: { left: 50, right: 50, top: 60, bottom: 30 },
        // each year's point sits on its own tick and label, not between two ticks
        xAxis: { type: "category", data: trend.years.map(String), axisTick: { alignWithLabel: true } },
        yAxis: [
          { type: "value", min: 0, max: 100, name: trend.labels.index, axisLabel: { formatter: num } },
          // rank 1 on top; the axis runs from 1 to the number of ranked units, never to 0
          { type: "value", inverse: true, min: 1, max: rankMax, interval: Math.max(1, Math.ceil(rankMax / 5)), name: trend.labels.rank,
            nameLocation: "start", splitLine: { show: false } }
        ],
        series: [
          { type: "line", name: trend.labels.index, data: trend.index, symbolSize: 8,
            label: { show: true, position: "top", formatter: function (p) { return num(p.value); } } },
          { type: "line", name: trend.labels.rank, yAxisIndex: 1, data: trend.rank, symbolSize: 8,
            label: { show: true, position: "bottom" } }
        ]
      });
    }
  });
}());
