/* Trend charts of the enterprise file. Data comes from a json_script block (CSP: no inline JS):
   <script id="annual-series" type="application/json">{"years": [...], "series": [{key, label, unit, values}]}</script>
   and each <div class="wt-chart" data-series="revenue"> inside [data-wt-charts="annual-series"] gets one line. */
(function () {
  "use strict";

  function draw(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-wt-charts]").forEach(function (group) {
      var source = document.getElementById(group.getAttribute("data-wt-charts"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      group.querySelectorAll(".wt-chart").forEach(function (el) {
        var series = data.series.find(function (s) { return s.key === el.getAttribute("data-series"); });
        if (!series) return;
        var chart = echarts.getInstanceByDom(el) || echarts.init(el);
        chart.setOption({
          title: { text: series.label + "（" + series.unit + "）", left: "center", textStyle: { fontSize: 13 } },
          tooltip: { trigger: "axis" },
          grid: { left: 60, right: 16, top: 36, bottom: 28 },
          xAxis: { type: "category", data: data.years.map(String) },
          yAxis: { type: "value" },
          series: [{ type: series.key === "employees" ? "bar" : "line", data: series.values, connectNulls: false,
                     smooth: false, itemStyle: { color: "#2f6f4f" } }],
        });
      });
    });
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".wt-chart").forEach(function (el) {
      var chart = typeof echarts !== "undefined" && echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
