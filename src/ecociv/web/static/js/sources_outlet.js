/* An outlet's hourly values against its permit limit lines (ECharts), one chart per parameter.
   Data come from a <script type="application/json"> block (CSP script-src 'self'). */
(function () {
  "use strict";
  var holder = document.getElementById("outlet-data");
  var box = document.getElementById("outlet-charts");
  if (!holder || !box || !window.echarts) { return; }
  var zh = document.documentElement.lang === "zh-CN";
  var data = JSON.parse(holder.textContent);
  var charts = [];
  data.charts.forEach(function (c) {
    var el = document.createElement("div");
    el.className = "chart";
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", c.code);
    box.appendChild(el);
    var chart = echarts.init(el);
    var title = (zh ? c.name[0] : c.name[1]) + " " + c.code + (c.unit ? " (" + c.unit + ")" : "") + (c.converted ? (zh ? " 折算" : " converted") : "");
    var series = [{
      name: title, type: "line", showSymbol: false,
      data: c.points.map(function (p) { return [p[0], p[1]]; })
    }];
    if (c.limit !== null) {
      series[0].markLine = {
        symbol: "none", lineStyle: { color: "#e02020", type: "dashed" },
        label: { formatter: (zh ? "限值 " : "limit ") + c.limit },
        data: [{ yAxis: c.limit }]
      };
    }
    chart.setOption({
      animation: false,
      title: { text: title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      grid: { left: 16, right: 24, top: 40, bottom: 24, containLabel: true },
      xAxis: { type: "category" },
      yAxis: { type: "value", scale: true },
      series: series
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  box.dataset.ready = "1";
})();
