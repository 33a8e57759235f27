/* Farmland soil: points per category in each county (stacked bar, ECharts). Data come from a
   <script type="application/json"> block (CSP script-src 'self'). */
(function () {
  "use strict";
  var el = document.getElementById("chart-soil");
  var holder = document.getElementById("soil-data");
  if (!el || !holder || !window.echarts) { return; }
  var zh = document.documentElement.lang === "zh-CN";
  var d = JSON.parse(holder.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { bottom: 0 },
    grid: { left: 16, right: 16, top: 16, bottom: 48, containLabel: true },
    xAxis: { type: "category", data: d.counties, axisLabel: { interval: 0, rotate: d.counties.length > 5 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: d.categories.map(function (c, i) {
      return { name: zh ? d.names[i][0] : d.names[i][1], type: "bar", stack: "category",
               data: d.counts[c], itemStyle: { color: d.colours[i] } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
  el.dataset.ready = "1";
})();
