/* Assessment charts (ECharts), each drawn only when its element and data are on the page:
   attainment by area (stacked bar), the ranking of a scheme (bar coloured by grade), and a
   public indicator's accepted values per county (line). Data come from
   <script type="application/json"> blocks; no inline code (CSP script-src 'self'). */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var zh = document.documentElement.lang === "zh-CN";
  var statusColour = { attained: "#32d583", not_attained: "#f97066", no_data: "#d0d5dd", not_applicable: "#f2f4f7" };
  var gradePalette = ["#1a7f4b", "#7cc47f", "#f2c94c", "#e8590c", "#a61e1e"];

  /* best grade dark green … worst grade red, whatever the number of grades */
  function gradeColour(index, count) {
    if (index === count - 1 && count > 1) { return gradePalette[gradePalette.length - 1]; }
    return gradePalette[Math.min(index, gradePalette.length - 2)];
  }
  function data(id) {
    var holder = document.getElementById(id);
    return holder ? JSON.parse(holder.textContent) : null;
  }
  function draw(el, option) {
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
    return chart;
  }

  var areasEl = document.getElementById("chart-areas");
  var areas = data("areas-data");
  var labels = data("areas-labels");
  if (areasEl && areas && labels) {
    draw(areasEl, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 64, containLabel: true },
      xAxis: { type: "category", data: labels.areas, axisLabel: { interval: 0, rotate: labels.areas.length > 5 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1, name: zh ? "指标数" : "indicators" },
      series: areas.statuses.map(function (s) {
        return { name: labels.statuses[s] || s, type: "bar", stack: "status", data: areas.counts[s],
                 itemStyle: { color: statusColour[s] }, emphasis: { focus: "series" } };
      })
    });
  }

  var rankingEl = document.getElementById("chart-ranking");
  var ranking = data("ranking-data");
  if (rankingEl && ranking) {
    var grades = ranking.grade_order.slice();  /* best first, as the scheme's cut-offs */
    ranking.grades.forEach(function (g) { if (grades.indexOf(g) < 0) { grades.push(g); } });
    draw(rankingEl, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 16, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0 },
      yAxis: { type: "category", inverse: true, data: ranking.names },
      series: [{
        type: "bar",
        data: ranking.totals.map(function (t, i) {
          var colour = gradeColour(grades.indexOf(ranking.grades[i]), grades.length);
          return { value: t, itemStyle: { color: colour } };
        }),
        label: { show: true, position: "right", formatter: function (p) { return p.value + " " + ranking.grades[p.dataIndex]; } }
      }]
    });
  }

  var publicEl = document.getElementById("chart-public");
  var pub = data("public-data");
  if (publicEl && pub) {
    var num = function (v) {
      if (v === null || v === undefined) { return null; }
      if (typeof v === "string") { return pub.scale.indexOf(v); }
      return Math.round(v * 100) / 100;
    };
    draw(publicEl, {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 56, right: 20, top: 20, bottom: 56 },
      xAxis: { type: "category", data: pub.years.map(String) },
      yAxis: pub.numeric ? { type: "value", scale: true } :
        { type: "value", min: 0, max: pub.scale.length - 1, interval: 1,
          axisLabel: { formatter: function (v) { return pub.scale[v] || ""; } } },
      series: pub.units.map(function (u) {
        return { name: zh ? u.zh : u.en, type: "line", connectNulls: false,
                 lineStyle: { width: u.code === "330800" ? 4 : 2 },
                 data: pub.values[u.code].map(num) };
      })
    });
  }
})();
