// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // The error summary has autofocus (screen readers announce it at once, without
  // JavaScript too); this covers browsers that only honour autofocus on form fields.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // A tag field holds several tags separated by commas; a datalist only completes the
  // whole value, so its options are rewritten as "what is typed so far, tag" for every
  // tag not chosen yet: each tag completes, not only the first.
  document.querySelectorAll("[data-tag-input]").forEach(function (input) {
    var list = input.list;
    if (!list) {
      return;
    }
    var tags = Array.prototype.map.call(list.options, function (option) { return option.value; });
    function refresh() {
      var cut = input.value.lastIndexOf(",");
      var prefix = cut < 0 ? "" : input.value.slice(0, cut + 1).replace(/\s*$/, " ");
      var chosen = prefix.split(",").map(function (t) { return t.trim().toLowerCase(); });
      var fragment = document.createDocumentFragment();
      tags.forEach(function (tag) {
        if (chosen.indexOf(tag.toLowerCase()) < 0) {
          var option = document.createElement("option");
          option.value = prefix + tag;
          fragment.appendChild(option);
        }
      });
      list.replaceChildren(fragment);
    }
    input.addEventListener("input", refresh);
    input.addEventListener("focus", refresh);
  });

  // "Select all on this page": a box in the table's head (hidden without JavaScript,
  // where the "Apply to" choice does the same on the server).
  var form = document.querySelector("[data-bulk-form]");
  function rowBoxes() {
    return form ? form.querySelectorAll("input[name=selected]") : [];
  }
  function setAll(checked) {
    rowBoxes().forEach(function (box) { box.checked = checked; });
  }
  var selectPage = form && form.querySelector("[data-select-page]");
  if (selectPage) {
    var pageBox = selectPage.querySelector("input");
    selectPage.hidden = false;
    var plainLabel = form.querySelector("[data-select-label]");
    if (plainLabel) {
      plainLabel.remove();
    }
    pageBox.addEventListener("change", function () { setAll(pageBox.checked); });
    form.addEventListener("change", function (event) {
      if (event.target.name === "selected") {
        var boxes = Array.prototype.slice.call(rowBoxes());
        pageBox.checked = boxes.length > 0 && boxes.every(function (b) { return b.checked; });
      }
    });
  }

  // Keyboard shortcuts of a list (listed on the page): j/k move between rows, x ticks
  // the row, a ticks every row, o opens the row, / goes to the text filter.
  var table = document.querySelector("table[data-shortcuts]");
  if (table) {
    var current = -1;
    var rows = function () { return table.querySelectorAll("tr[data-row]"); };
    var focusRow = function (index) {
      var all = rows();
      if (!all.length) {
        return;
      }
      current = Math.max(0, Math.min(all.length - 1, index));
      all.forEach(function (row) { row.classList.remove("current-row"); });
      all[current].classList.add("current-row");
      var link = all[current].querySelector("a");
      (link || all[current].querySelector("input[type=checkbox]")).focus();
    };
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.altKey || event.ctrlKey || event.metaKey || target.isContentEditable ||
          /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName) && target.type !== "checkbox") {
        return;
      }
      var row = rows()[current];
      if (event.key === "j") {
        focusRow(current + 1);
      } else if (event.key === "k") {
        focusRow(current - 1);
      } else if (event.key === "x" && row) {
        var box = row.querySelector("input[name=selected]");
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (event.key === "a" && form) {
        var boxes = Array.prototype.slice.call(rowBoxes());
        var all = boxes.every(function (b) { return b.checked; });
        setAll(!all);
        if (boxes.length) {
          boxes[0].dispatchEvent(new Event("change", { bubbles: true }));
        }
      } else if (event.key === "o" && row && row.querySelector("a")) {
        row.querySelector("a").click();
      } else if (event.key === "/") {
        var search = document.querySelector("form[role=search] input[type=search]");
        if (!search) {
          return;
        }
        search.focus();
      } else {
        return;
      }
      event.preventDefault();
    });
  }
});
