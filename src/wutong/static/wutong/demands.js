/* Charts of the demand statistics page. Data from a json_script block (CSP: no inline JS):
   <script id="demand-stats-data" type="application/json">{"category": {labels, values},
   "department": {labels, values, on_time}, "satisfaction": {labels, values}}</script>
   Each <div class="wt-chart" data-chart="..."> inside [data-demand-charts] draws one chart. */
(function () {
  "use strict";
  var GREEN = "#2f6f4f";

  function option(kind, d) {
    if (kind === "category") {
      return {
        title: { text: "按类别", left: "center", textStyle: { fontSize: 13 } },
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], top: 20,
                   data: d.labels.map(function (l, i) { return { name: l, value: d.values[i] }; }) }],
      };
    }
    if (kind === "department") {
      return {
        title: { text: "按主办单位（件数 / 按时率%）", left: "center", textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" },
        grid: { left: 110, right: 40, top: 36, bottom: 24 },
        xAxis: [{ type: "value" }, { type: "value", max: 100, show: false }],
        yAxis: { type: "category", data: d.labels, inverse: true },
        series: [
          { type: "bar", data: d.values, itemStyle: { color: GREEN } },
          { type: "scatter", xAxisIndex: 1, data: d.on_time, itemStyle: { color: "#d9822b" } },
        ],
      };
    }
    return {
      title: { text: "满意度分布", left: "center", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 36, bottom: 24 },
      xAxis: { type: "category", data: d.labels.map(function (l) { return l + "分"; }) },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: d.values, itemStyle: { color: GREEN } }],
    };
  }

  function draw(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-demand-charts]").forEach(function (group) {
      var source = document.getElementById(group.getAttribute("data-demand-charts"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      group.querySelectorAll(".wt-chart").forEach(function (el) {
        var kind = el.getAttribute("data-chart");
        if (!data[kind]) return;
        var chart = echarts.getInstanceByDom(el) || echarts.init(el);
        var opts = option(kind, data[kind]);
        opts.animation = false;  // figures, not a show: and screenshots see the final chart
        chart.setOption(opts);
        el.setAttribute("data-drawn", "1");
      });
    });
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () { draw(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-demand-charts] .wt-chart").forEach(function (el) {
      var chart = typeof echarts !== "undefined" && echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
