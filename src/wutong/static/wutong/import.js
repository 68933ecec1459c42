// Import pages: check the chosen file before uploading (the server checks again), and size the
// progress bar from its data attribute (the CSP forbids inline styles set by scripts in templates).
(function () {
  "use strict";
  var ALLOWED = [".xlsx", ".xls", ".csv"];

  function checkFile(input, form, problem) {
    var file = input.files && input.files[0];
    var message = "";
    if (file) {
      var name = file.name.toLowerCase();
      var dot = name.lastIndexOf(".");
      var ext = dot >= 0 ? name.slice(dot) : "";
      var maxMb = parseInt(form.dataset.maxMb || "200", 10);
      if (ext === ".xlsm" || ext === ".xlsb") {
        message = "不接受含宏的 Excel 文件，请另存为 .xlsx";
      } else if (ALLOWED.indexOf(ext) < 0) {
        message = "只接受 .xlsx、.xls 或 .csv 文件";
      } else if (file.size > maxMb * 1024 * 1024) {
        message = "文件超过 " + maxMb + " MB";
      }
    }
    problem.textContent = message;
    input.classList.toggle("is-invalid", message !== "");
    return message === "";
  }

  function sizeBars(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      bar.style.width = Math.max(3, parseInt(bar.dataset.progress, 10) || 0) + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("import-form");
    if (form) {
      var input = form.querySelector("input[type=file]");
      var problem = document.getElementById("import-file-problem");
      input.addEventListener("change", function () { checkFile(input, form, problem); });
      form.addEventListener("submit", function (event) {
        if (!checkFile(input, form, problem)) { event.preventDefault(); return; }
        var button = document.getElementById("import-submit");
        if (button) { button.disabled = true; }
      });
    }
    sizeBars(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) { sizeBars(event.target.parentNode || document); });
})();
