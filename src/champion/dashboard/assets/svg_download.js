/* Every chart's modebar offers SVG beside plotly's PNG camera: a second button saves the chart
   as an SVG file under the camera's file name (components.graph sets it: champion-<id>).
   dcc.Graph's config is JSON and cannot carry a button's click function, so the button goes
   into plotly's defaults (Plotly.setPlotConfig), which every chart's config is merged into. */
(function () {
  "use strict";

  var installed = false;

  function saveSvg(gd) {
    var options = gd._context.toImageButtonOptions || {};
    window.Plotly.downloadImage(gd, {
      format: "svg",
      filename: options.filename || "newplot",
    });
  }

  function install() {
    var plotly = window.Plotly;
    if (installed || !plotly || !plotly.setPlotConfig) {
      return installed;
    }
    plotly.setPlotConfig({
      modeBarButtonsToAdd: [
        {
          name: "toSVG",
          title: "Download plot as SVG",
          icon: plotly.Icons.disk,
          click: saveSvg,
        },
      ],
    });
    installed = true;
    return true;
  }

  if (!install()) {
    // plotly.js is loaded by a <script> when the first chart needs it; a capturing listener
    // runs on its load event before the script's own onload draws the chart
    document.addEventListener("load", install, true);
  }
})();
