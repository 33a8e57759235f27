/* An indicator's values per county and year (ECharts line chart; states as steps). */
(function () {
  "use strict";
  var holder = document.getElementById("series-data");
  var el = document.getElementById("chart-series");
  if (!holder || !el || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);
  var zh = document.documentElement.lang === "zh-CN";
  var years = {};
  Object.keys(data.values).forEach(function (u) { Object.keys(data.values[u]).forEach(function (y) { years[y] = 1; }); });
  years = Object.keys(years).sort();
  function num(v) {
    if (v === null || v === undefined) { return null; }
    if (typeof v === "string") { return data.scale.indexOf(v); }
    return Math.round(v * 100) / 100;
  }
  var series = data.units.map(function (u) {
    return { name: zh ? u.zh : u.en, type: "line", connectNulls: false,
             lineStyle: { width: u.code === "330800" ? 4 : 2 },
             data: years.map(function (y) { return num((data.values[u.code] || {})[y]); }) };
  });
  if (data.target !== null && data.numeric && series.length) {
    series[0].markLine = { symbol: "none", lineStyle: { type: "dashed", color: "#b42318" },
      label: { formatter: (zh ? "目标 " : "target ") + data.target }, data: [{ yAxis: data.target }] };
  }
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 56, right: 20, top: 20, bottom: 56 },
    xAxis: { type: "category", data: years },
    yAxis: data.numeric ? { type: "value", scale: true } :
      { type: "value", min: 0, max: data.scale.length - 1, interval: 1,
        axisLabel: { formatter: function (v) { return data.scale[v] || ""; } } },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
