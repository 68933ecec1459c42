/* 招商 charts. Data comes from json_script blocks (CSP: no inline JS):
   - [data-investment-charts="id"] holds .wt-chart[data-chart="funnel"|"channels"];
   - .wt-chart[data-chain-tree="id"] draws one tree per industrial chain (segments coloured by gap status). */
(function () {
  "use strict";
  var STATUS_COLOURS = { gap: "#dc3545", thin: "#ffc107", ok: "#198754" };

  function chart(el) {
    return echarts.getInstanceByDom(el) || echarts.init(el);
  }

  function drawFunnel(el, data) {
    chart(el).setOption({
      title: { text: "招商漏斗（到达各阶段的项目数）", left: "center", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "item", formatter: "{b}：{c}" },
      series: [{ type: "funnel", sort: "none", top: 36, bottom: 8, left: "10%", width: "80%", minSize: "8%",
                 label: { show: true, position: "inside", formatter: "{b} {c}" }, data: data.funnel }],
    });
  }

  function drawChannels(el, data) {
    chart(el).setOption({
      title: { text: "各渠道项目、落地与落地国高", left: "center", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { top: 24 },
      grid: { left: 40, right: 16, top: 60, bottom: 70 },
      xAxis: { type: "category", data: data.channels, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "项目", type: "bar", data: data.projects, itemStyle: { color: "#9ab8a6" } },
        { name: "落地", type: "bar", data: data.landed, itemStyle: { color: "#2f6f4f" } },
        { name: "落地国高", type: "bar", data: data.gaoxin, itemStyle: { color: "#c58b2b" } },
      ],
    });
  }

  function colour(node) {
    if (node.status) {
      node.itemStyle = { color: STATUS_COLOURS[node.status] || "#6c757d", borderColor: STATUS_COLOURS[node.status] };
    }
    (node.children || []).forEach(colour);
    return node;
  }

  function drawTree(el, trees) {
    var root = { name: "产业链", children: trees.map(colour) };
    chart(el).setOption({
      tooltip: { trigger: "item", triggerOn: "mousemove" },
      series: [{ type: "tree", data: [root], top: 10, bottom: 10, left: 80, right: 260, symbolSize: 10,
                 initialTreeDepth: 3, expandAndCollapse: true,
                 label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 12 },
                 leaves: { label: { position: "right", verticalAlign: "middle", align: "left" } } }],
    });
  }

  function draw(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-investment-charts]").forEach(function (group) {
      var source = document.getElementById(group.getAttribute("data-investment-charts"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      group.querySelectorAll(".wt-chart").forEach(function (el) {
        if (el.dataset.chart === "funnel") drawFunnel(el, data);
        if (el.dataset.chart === "channels") drawChannels(el, data);
      });
    });
    root.querySelectorAll("[data-chain-tree]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chain-tree"));
      if (source) drawTree(el, JSON.parse(source.textContent));
    });
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () { draw(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".wt-chart").forEach(function (el) {
      var instance = typeof echarts !== "undefined" && echarts.getInstanceByDom(el);
      if (instance) instance.resize();
    });
  });
})();
