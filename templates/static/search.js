/* karpwiki: offline full-text search over search-data.js (loaded on first use). One result per
   page, showing the section that matched best; "/" focuses the box, arrows and Enter pick. */
(function () {
  "use strict";
  var box = document.querySelector(".search");
  var input = document.getElementById("kw-search");
  var list = document.getElementById("kw-results");
  if (!box || !input || !list) return;
  box.hidden = false;

  var MAX_RESULTS = 8;
  var SNIPPET = 70; /* characters of text each side of the first match */
  var WORD = /[\p{L}\p{N}_]+/gu;
  var index = null;
  var active = -1;

  function words(text) { return text.toLowerCase().match(WORD) || []; }

  /* data.pages: [page URL, title, [[section id, heading, text], ...]] each. */
  function prepare(data) {
    index = [];
    data.pages.forEach(function (page, number) {
      page[2].forEach(function (row) {
        index.push({
          url: kw.root + page[0] + (row[0] ? "#" + encodeURIComponent(row[0]) : ""),
          page: number, title: page[1], heading: row[1], text: row[2],
          titleWords: words(page[1]), headingWords: words(row[1]),
          lowTitle: page[1].toLowerCase(), lowHeading: row[1].toLowerCase(), lowText: row[2].toLowerCase(),
        });
      });
    });
  }

  function count(haystack, needle) {
    var found = 0;
    for (var at = haystack.indexOf(needle); at >= 0 && found < 5; at = haystack.indexOf(needle, at + needle.length)) found++;
    return found;
  }

  function wordScore(list, term, exact, prefix) {
    var best = 0;
    list.forEach(function (word) {
      if (word === term) best = Math.max(best, exact);
      else if (word.indexOf(term) === 0) best = Math.max(best, prefix);
    });
    return best;
  }

  /* Every term must occur somewhere; the page title weighs most, then headings, then text. */
  function score(entry, terms, phrase) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var term = terms[i];
      var inText = count(entry.lowText, term);
      var inTitle = wordScore(entry.titleWords, term, 10, 6);
      var inHeading = wordScore(entry.headingWords, term, 5, 3);
      if (!inText && !inTitle && !inHeading && entry.lowTitle.indexOf(term) < 0) return 0;
      total += inTitle + inHeading + inText;
    }
    if (terms.length > 1) {
      if (entry.lowTitle.indexOf(phrase) >= 0) total += 20;
      if (entry.lowHeading.indexOf(phrase) >= 0) total += 8;
      if (entry.lowText.indexOf(phrase) >= 0) total += 4;
    }
    return total;
  }

  function search(query) {
    var terms = words(query);
    if (!terms.length) return [];
    var phrase = terms.join(" ");
    var best = {};
    index.forEach(function (entry) {
      var points = score(entry, terms, phrase);
      if (points && (!best[entry.page] || points > best[entry.page].points)) {
        best[entry.page] = { entry: entry, points: points, terms: terms };
      }
    });
    return Object.keys(best).map(function (key) { return best[key]; })
      .sort(function (a, b) { return b.points - a.points || a.entry.title.localeCompare(b.entry.title); })
      .slice(0, MAX_RESULTS);
  }

  /* Text around the first match, with every term marked; built as DOM nodes, never as HTML. */
  function snippet(text, terms) {
    var low = text.toLowerCase();
    var first = terms.reduce(function (at, term) {
      var found = low.indexOf(term);
      return found >= 0 && (at < 0 || found < at) ? found : at;
    }, -1);
    var start = Math.max(0, first - SNIPPET);
    if (start) start = Math.min(text.indexOf(" ", start) + 1 || start, first); /* a whole first word */
    var piece = (start ? "…" : "") + text.slice(start, Math.max(first, 0) + SNIPPET * 2).replace(/\s+/g, " ");
    var pattern = new RegExp(terms.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|"), "gi");
    var out = document.createElement("span");
    out.className = "result-snippet";
    var last = 0;
    piece.replace(pattern, function (match, at) {
      out.appendChild(document.createTextNode(piece.slice(last, at)));
      var mark = document.createElement("mark");
      mark.textContent = match;
      out.appendChild(mark);
      last = at + match.length;
      return match;
    });
    out.appendChild(document.createTextNode(piece.slice(last)));
    return out;
  }

  function show(results) {
    list.textContent = "";
    active = -1;
    input.removeAttribute("aria-activedescendant");
    results.forEach(function (result, number) {
      var entry = result.entry;
      var item = document.createElement("li");
      item.id = "kw-result-" + number;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = entry.url;
      link.tabIndex = -1;
      var title = document.createElement("span");
      title.className = "result-title";
      title.textContent = entry.title;
      link.appendChild(title);
      if (entry.heading && entry.heading !== entry.title) {
        var section = document.createElement("span");
        section.className = "result-section";
        section.textContent = entry.heading;
        link.appendChild(section);
      }
      link.appendChild(snippet(entry.text, result.terms));
      item.appendChild(link);
      list.appendChild(item);
    });
    if (!results.length && input.value.trim()) {
      var none = document.createElement("li");
      none.className = "result-none";
      none.textContent = "No page matches.";
      list.appendChild(none);
    }
    var open = list.children.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
  }

  function choose(number) {
    var options = list.querySelectorAll("[role=option]");
    if (!options.length) return;
    active = (number + options.length) % options.length;
    options.forEach(function (option, i) { option.setAttribute("aria-selected", String(i === active)); });
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function run() {
    if (index) show(search(input.value));
  }

  function start() {
    kw.load("search", "KW_SEARCH").then(function (data) {
      if (!index) prepare(data);
      run();
    });
  }

  input.addEventListener("focus", start);
  input.addEventListener("input", run);
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      choose(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      var options = list.querySelectorAll("[role=option] a");
      if (options.length) {
        event.preventDefault();
        window.location.href = options[Math.max(active, 0)].href;
      }
    } else if (event.key === "Escape") {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }
  });
})();
