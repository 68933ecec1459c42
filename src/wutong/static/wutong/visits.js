/* Charts of the visit coverage page. Data from a json_script block (CSP: no inline JS):
   <script id="visit-coverage-data" type="application/json">{"tier": {labels, covered, overdue, rate},
   "leader": {...}}</script>. Each <div class="wt-chart" data-chart="tier|leader"> inside
   [data-visit-charts] draws a stacked bar: covered (green) and overdue (red) enterprises. */
(function () {
  "use strict";
  var GREEN = "#2f6f4f";
  var RED = "#c0392b";
  var TITLES = { tier: "按档次：未超期 / 超期企业数", leader: "按挂点领导：未超期 / 超期企业数" };

  function option(kind, d) {
    return {
      title: { text: TITLES[kind], left: "center", textStyle: { fontSize: 13 } },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          var rate = d.rate[i] === null ? "—" : d.rate[i] + "%";
          return d.labels[i] + "<br>未超期 " + d.covered[i] + "，超期 " + d.overdue[i] + "，覆盖率 " + rate;
        },
      },
      legend: { bottom: 0, data: ["未超期", "超期"] },
      grid: { left: 40, right: 16, top: 36, bottom: 48 },
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "未超期", type: "bar", stack: "n", data: d.covered, itemStyle: { color: GREEN } },
        { name: "超期", type: "bar", stack: "n", data: d.overdue, itemStyle: { color: RED } },
      ],
    };
  }

  function draw(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-visit-charts]").forEach(function (group) {
      var source = document.getElementById(group.getAttribute("data-visit-charts"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      group.querySelectorAll(".wt-chart").forEach(function (el) {
        var kind = el.getAttribute("data-chart");
        if (!data[kind]) return;
        var chart = echarts.getInstanceByDom(el) || echarts.init(el);
        chart.setOption(option(kind, data[kind]));
        el.setAttribute("data-drawn", "1");
      });
    });
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () { draw(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-visit-charts] .wt-chart").forEach(function (el) {
      var chart = typeof echarts !== "undefined" && echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
