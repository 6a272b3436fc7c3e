// kfd-tagger Arbeitsplatz, Zahlen: draws the two stacked bar charts from the page's JSON (Chart.js, vendored)
// and lists the statements behind a bar when it is clicked. Without this file the tables still work.
"use strict";
(function () {
  function drilldown(params) {
    var query = new URLSearchParams(params).toString();
    var url = "/ui/zahlen/aussagen?" + query;
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#aussagen" }).then(function () {
        var heading = document.getElementById("aussagen-heading");
        if (heading) heading.focus();
      });
    } else {
      window.location.href = url;
    }
  }

  function draw(canvasId, data, params) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !window.Chart) return;
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: data.datasets },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } },
        plugins: { legend: { position: "bottom" } },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!elements.length) return;
          var bar = elements[0];
          var dataset = data.datasets[bar.datasetIndex];
          drilldown(params(data.keys[bar.index], dataset.sentiment));
        }
      }
    });
    canvas.kfdChart = chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("chart-data");
    if (!source) return;
    var charts = JSON.parse(source.textContent);
    draw("themes-chart", charts.themes, function (key, sentiment) {
      var p = { by: charts.by, theme: key, sentiment: sentiment };
      if (charts.value) p.value = charts.value;
      return p;
    });
    draw("places-chart", charts.places, function (key, sentiment) {
      var p = { by: charts.by, value: key, sentiment: sentiment };
      if (charts.theme) p.theme = charts.theme;
      return p;
    });
    ["by"].forEach(function (id) {
      var select = document.getElementById(id);
      if (select) select.addEventListener("change", function () {
        document.getElementById("value").value = "";
        select.form.submit();
      });
    });
  });
})();
