/* 积分模拟计算器: add and remove rows of a formset; relabel the tax years.
   Without this script the page still works: a few empty rows and the 删除 checkboxes. */
(function () {
  "use strict";

  function setupFormset(box) {
    var prefix = box.getAttribute("data-prefix");
    var total = box.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var rows = box.querySelector("[data-rows]");
    var template = box.querySelector("template[data-empty-row]");
    var add = box.querySelector("[data-add-row]");
    if (!total || !rows || !template || !add) { return; }

    function enhanceRow(row) {
      var del = row.querySelector("[data-delete]");
      if (!del || del.getAttribute("data-enhanced")) { return; }
      var box = del.querySelector('input[type="checkbox"]');
      del.setAttribute("data-enhanced", "1");
      del.hidden = true;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary sim-remove";
      button.textContent = "删除";
      button.setAttribute("aria-label", "删除此行");
      button.addEventListener("click", function () {
        // The row stays in the form (Django drops rows whose DELETE box is ticked).
        box.checked = true;
        row.hidden = true;
        row.classList.add("deleted");
      });
      row.appendChild(button);
      if (box.checked) { row.hidden = true; }
    }

    Array.prototype.forEach.call(rows.querySelectorAll("[data-row]"), enhanceRow);
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.querySelector("[data-row]");
      rows.appendChild(row);
      total.value = String(index + 1);
      enhanceRow(row);
      var first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select");
      if (first) { first.focus(); }
    });
  }

  function setupTaxYears() {
    var year = document.getElementById("id_year");
    if (!year) { return; }
    function relabel() {
      var y = parseInt(year.value, 10);
      if (!(y > 1999 && y < 2101)) { return; }
      Array.prototype.forEach.call(document.querySelectorAll("[data-year-offset]"), function (input) {
        var label = document.querySelector('label[for="' + input.id + '"]');
        if (label) {
          label.textContent = (y - parseInt(input.getAttribute("data-year-offset"), 10)) + "年个人所得税（元）";
        }
      });
    }
    year.addEventListener("input", relabel);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-formset]"), setupFormset);
    setupTaxYears();
  });
})();
