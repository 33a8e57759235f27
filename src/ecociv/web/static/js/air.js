/* Air quality: the year's daily AQI as an ECharts calendar coloured by the HJ 633 category
   colours, and filters that reload the page when changed. Data come from
   <script type="application/json"> blocks (CSP script-src 'self'). */
(function () {
  "use strict";
  var form = document.getElementById("air-filters");
  if (form) {
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
  }
  var el = document.getElementById("aqi-calendar");
  var dataEl = document.getElementById("aqi-calendar-data");
  var legendEl = document.getElementById("aqi-legend-data");
  if (!el || !dataEl || !legendEl || !window.echarts) { return; }
  var zh = document.documentElement.lang === "zh-CN";
  var d = JSON.parse(dataEl.textContent);
  var legend = JSON.parse(legendEl.textContent);
  var noAqi = el.dataset.labelNoAqi;
  var pieces = [{ value: 0, color: d.no_aqi_colour, label: noAqi }].concat(legend.map(function (c) {
    return { value: c.level, color: c.colour, label: zh ? c.zh : c.en };
  }));
  var narrow = window.matchMedia("(max-width: 760px)").matches;
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: {
      formatter: function (p) {
        var v = p.value;
        return v[0] + "<br>AQI " + (v[2] == null ? "–" : v[2]) + " · " + ((zh ? v[3] : v[4]) || noAqi) + "<br>" + v[5];
      }
    },
    visualMap: { type: "piecewise", dimension: 1, pieces: pieces, show: false },
    calendar: {
      range: String(d.year), cellSize: ["auto", narrow ? 11 : 18], top: 30, left: 30, right: 10,
      orient: "horizontal", dayLabel: { nameMap: zh ? "ZH" : "EN", fontSize: 9 },
      monthLabel: { nameMap: zh ? "ZH" : "EN" }, yearLabel: { show: false },
      itemStyle: { borderColor: "#fff", borderWidth: 1 }, splitLine: { lineStyle: { color: "#98a2b3" } }
    },
    series: [{ type: "heatmap", coordinateSystem: "calendar", data: d.days }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  el.dataset.ready = "1";
})();
