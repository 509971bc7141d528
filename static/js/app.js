// Progressive enhancement only: every action here also works without JavaScript.
(function () {
  "use strict";

  function renumber(list) {
    var rows = list.querySelectorAll("[data-row]");
    rows.forEach(function (row, i) {
      row.querySelectorAll("[data-row-number]").forEach(function (number) {
        number.textContent = String(i + 1);
      });
    });
    var container = list.closest("[data-rows]");
    var empty = container && container.querySelector("[data-rows-empty]");
    if (empty) empty.hidden = rows.length > 0;
  }

  function nextIndex(container) {
    var section = container.getAttribute("data-rows");
    var max = -1;
    container.querySelectorAll("[name^='" + section + "-']").forEach(function (input) {
      var match = input.name.slice(section.length + 1).match(/^(\d+)-/);
      if (match) max = Math.max(max, parseInt(match[1], 10));
    });
    return max + 1;
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var container = add.closest("[data-rows]");
      var template = container.querySelector("template[data-row-template]");
      var list = container.querySelector("[data-row-list]");
      var index = String(nextIndex(container));
      var html = template.innerHTML.split("__index__").join(index);
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      list.appendChild(row);
      renumber(list);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
      event.preventDefault();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var item = remove.closest("[data-row]");
      var rowList = item.parentElement;
      var addButton = item.closest("[data-rows]").querySelector("[data-add-row]");
      item.remove();
      renumber(rowList);
      if (addButton) addButton.focus();
      event.preventDefault();
    }
  });

  // A link to a slow download (e.g. a PDF built on request) with data-busy="Preparing…":
  // it says it is working and ignores further clicks until the download has had time to start.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-busy]");
    if (!link) return;
    if (link.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    var label = link.innerHTML;
    link.setAttribute("aria-busy", "true");
    link.textContent = link.getAttribute("data-busy");
    window.setTimeout(function () {
      link.removeAttribute("aria-busy");
      link.innerHTML = label;
    }, 6000);
  });

  // Long actions: show that work is under way and refuse a second submission.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitting === "1") { event.preventDefault(); return; }
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-remove-row")) return;
    form.dataset.submitting = "1";
    if (submitter && form.hasAttribute("data-busy")) {
      submitter.setAttribute("aria-busy", "true");
      submitter.dataset.label = submitter.textContent;
      submitter.textContent = form.getAttribute("data-busy");
    }
    window.setTimeout(function () { release(form); }, 8000);
  });

  function release(form) {
    form.dataset.submitting = "";
    form.querySelectorAll("[aria-busy='true']").forEach(function (button) {
      button.removeAttribute("aria-busy");
      if (button.dataset.label) button.textContent = button.dataset.label;
    });
  }

  // Back to a page kept in the browser's cache: its forms are usable again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("form").forEach(release);
  });

  // A link to a form field (e.g. from the register's pre-flight: /engagements/7/edit#lei):
  // open the folded section around it, bring its label into view and put the cursor in it.
  function focusField(id) {
    var field = id && document.getElementById(id);
    if (!field || !field.matches("input, select, textarea")) return false;
    for (var d = field.closest("details"); d; d = d.parentElement.closest("details")) {
      d.open = true;
    }
    var holder = field.closest(".field") || field;
    document.querySelectorAll(".field-target").forEach(function (el) {
      el.classList.remove("field-target");
    });
    holder.classList.add("field-target");
    holder.scrollIntoView({block: "center"});
    field.focus({preventScroll: true});
    return true;
  }

  var hash = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
  var summary = document.getElementById("error-summary");
  if (!summary && hash) focusField(hash);
  window.addEventListener("hashchange", function () {
    focusField(decodeURIComponent(window.location.hash.slice(1)));
  });

  if (summary) {
    summary.focus();
    // A link in the summary puts the cursor in its field, with the field's label in view.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (link && focusField(link.getAttribute("href").slice(1))) event.preventDefault();
    });
  }
})();
