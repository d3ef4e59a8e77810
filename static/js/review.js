/* 落户通 back office: a select marked data-autosubmit submits its form when changed.
   (An attribute and this file, not onchange="…": the Content-Security-Policy allows no
   inline script.) Without the script the form's own button submits it. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
