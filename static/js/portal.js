/* 落户通 portal: rows added and removed in place, and nothing typed is lost.
   Every page works without this script (the server adds rows and keeps drafts). */
(function () {
  "use strict";

  function renumber(section) {
    var n = 0;
    section.querySelectorAll(".rows > [data-row]").forEach(function (row) {
      if (!row.classList.contains("removed")) { n += 1; var no = row.querySelector(".row-no"); if (no) no.textContent = n; }
    });
  }

  function wireRemove(row, section) {
    var box = row.querySelector("input[name$='-DELETE']");
    if (!box || row.querySelector(".remove-row")) return;
    var label = box.closest("label"); if (label) label.style.display = "none";
    var button = document.createElement("button");
    button.type = "button"; button.className = "secondary small remove-row"; button.textContent = "删除此项";
    button.addEventListener("click", function () {
      box.checked = true; row.classList.add("removed"); renumber(section); row.dispatchEvent(new Event("input", {bubbles: true}));
    });
    row.appendChild(button);
  }

  function wireSection(section) {
    var key = section.getAttribute("data-section");
    var total = section.querySelector("input[name='" + key + "-TOTAL_FORMS']");
    var template = section.querySelector("template.empty-row");
    var rows = section.querySelector(".rows");
    var add = section.querySelector("button.add-row");
    rows.querySelectorAll("[data-row]").forEach(function (row) { wireRemove(row, section); });
    if (!total || !template || !add) return;
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div"); holder.innerHTML = html.trim();
      var row = holder.firstElementChild; rows.appendChild(row);
      total.value = String(index + 1);
      wireRemove(row, section); renumber(section);
      var first = row.querySelector("input, select"); if (first) first.focus();
    });
  }

  // --- drafts kept in this browser: survive a lost session or a closed tab ------------------
  function serialise(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "button" || el.type === "file") return;
      if (el.type === "checkbox") { out[el.name] = el.checked; } else { out[el.name] = el.value; }
    });
    return out;
  }

  function ensureRows(form, values) {
    form.querySelectorAll("[data-section]").forEach(function (section) {
      var key = section.getAttribute("data-section");
      var wanted = parseInt(values[key + "-TOTAL_FORMS"], 10) || 0;
      var total = section.querySelector("input[name='" + key + "-TOTAL_FORMS']");
      var add = section.querySelector("button.add-row");
      while (total && add && (parseInt(total.value, 10) || 0) < wanted) { add.click(); }
    });
  }

  function restore(form, values) {
    ensureRows(form, values);
    Object.keys(values).forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (!el) return;
      if (el.type === "checkbox") { el.checked = !!values[name]; if (/-DELETE$/.test(name) && el.checked) { var row = el.closest("[data-row]"); if (row) row.classList.add("removed"); } }
      else if (el.value !== undefined) { el.value = values[name]; }
    });
  }

  function wireDraft(form) {
    var key = form.getAttribute("data-draft-key");
    if (!key || !window.localStorage) return;
    var serverSaved = parseInt(form.getAttribute("data-server-saved"), 10) || 0;
    var status = form.querySelector(".autosave-status");
    var stored = null;
    try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
    var hasErrors = !!document.querySelector(".error-summary, .errorlist li");
    if (stored && stored.savedAt / 1000 > serverSaved + 1 && !hasErrors && !form.querySelector("fieldset[disabled]")) {
      restore(form, stored.values);
      var note = document.createElement("p"); note.className = "restored";
      note.textContent = "已恢复您在本机上次输入但未保存的内容（" + new Date(stored.savedAt).toLocaleString("zh-CN") + "）。请检查后保存。";
      form.parentNode.insertBefore(note, form);
    }
    var dirty = false;
    function keep() {
      dirty = true;
      try { localStorage.setItem(key, JSON.stringify({savedAt: Date.now(), values: serialise(form)})); } catch (e) { /* storage full: the server draft remains */ }
      if (status) status.textContent = "已暂存到本机";
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", function () { dirty = false; });
    // Every 30 s, also keep a draft on the server (when still logged in).
    setInterval(function () {
      if (!dirty || !window.fetch || form.querySelector("fieldset[disabled]")) return;
      var data = new FormData(form); data.set("action", "autosave");
      fetch(form.action || window.location.href, {method: "POST", body: data, credentials: "same-origin", redirect: "manual"})
        .then(function (response) {
          if (response.status === 204) { dirty = false; if (status) status.textContent = "草稿已自动保存 " + new Date().toLocaleTimeString("zh-CN"); }
          else if (status) { status.textContent = "登录可能已过期：内容已暂存在本机，重新登录后可恢复"; }
        }).catch(function () { /* offline: localStorage keeps it */ });
    }, 30000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.indicator-form [data-section]").forEach(wireSection);
    document.querySelectorAll("form.indicator-form").forEach(wireDraft);
  });
})();
