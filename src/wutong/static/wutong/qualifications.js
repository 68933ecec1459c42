/* 梯度培育 chart. Data comes from a json_script block (CSP: no inline JS):
   .wt-chart[data-ladder="id"] draws the rung counts of two years as bars and the moves up as arrows. */
(function () {
  "use strict";

  function draw(el) {
    var source = document.getElementById(el.dataset.ladder);
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var series = Object.keys(data.series).map(function (year) {
      return { name: year + " 年末", type: "bar", data: data.series[year], label: { show: true, position: "top" } };
    });
    var ups = data.links.map(function (l) { return l.source + "→" + l.target + " " + l.value; }).join("；");
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption({
      animation: false,
      title: { text: "各梯级企业数与升级流动", subtext: ups || "无升级", left: "center", textStyle: { fontSize: 13 },
               subtextStyle: { fontSize: 11, width: 900, overflow: "break" } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 70, bottom: 40 },
      xAxis: { type: "category", data: data.rungs },
      yAxis: { type: "value", minInterval: 1 },
      series: series,
    });
    el.dataset.rendered = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    document.querySelectorAll(".wt-chart[data-ladder]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
