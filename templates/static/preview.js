/* karpwiki: hovering (or focusing) a link to another page of the wiki shows that page's title
   and opening paragraph, or the linked section's; from preview-data.js, loaded on first use. */
(function () {
  "use strict";
  var DELAY = 250; /* ms of hovering before a preview opens */
  var GAP = 8;
  var box = document.createElement("div");
  box.className = "preview";
  box.id = "kw-preview";
  box.setAttribute("role", "tooltip");
  box.hidden = true;
  document.body.appendChild(box);
  var timer = 0;
  var shown = null;

  /* [page URL from the root, section id] for links into the wiki; null for any other link. */
  function place(link) {
    if (link.classList.contains("permalink") || !link.closest("main, .sidebar") || link.closest(".toc")) return null;
    var href = new URL(link.getAttribute("href"), document.baseURI).href.split("#");
    if (href[0].indexOf(kw.root) !== 0) return null;
    return [href[0].slice(kw.root.length), href[1] ? decodeURIComponent(href[1]) : ""];
  }

  function open(link) {
    var where = place(link);
    if (!where) return;
    kw.load("preview", "KW_PREVIEWS").then(function (previews) {
      var page = previews[where[0]];
      if (!page || shown !== link) return;
      var section = where[1] && page[2][where[1]];
      var title = document.createElement("strong");
      title.textContent = section && section[0] !== page[0] ? page[0] + " › " + section[0] : page[0];
      var text = document.createElement("p");
      text.textContent = section ? section[1] : page[1];
      box.textContent = "";
      box.appendChild(title);
      if (text.textContent) box.appendChild(text);
      box.hidden = false;
      link.setAttribute("aria-describedby", box.id);
      position(link);
    }, function () { /* no preview data: links work as ever */ });
  }

  function position(link) {
    var rect = link.getBoundingClientRect();
    var width = box.offsetWidth;
    var height = box.offsetHeight;
    var left = Math.min(Math.max(GAP, rect.left), window.innerWidth - width - GAP);
    var below = rect.bottom + GAP;
    var top = below + height > window.innerHeight && rect.top - GAP - height > 0 ? rect.top - GAP - height : below;
    box.style.left = Math.max(GAP, left) + "px";
    box.style.top = top + "px";
  }

  function close() {
    clearTimeout(timer);
    if (shown) shown.removeAttribute("aria-describedby");
    shown = null;
    box.hidden = true;
  }

  function watch(event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || link === shown) return;
    close();
    shown = link;
    timer = setTimeout(function () { open(link); }, event.type === "focusin" ? 0 : DELAY);
  }

  document.addEventListener("mouseover", watch);
  document.addEventListener("focusin", watch);
  document.addEventListener("mouseout", function (event) {
    if (shown && !shown.contains(event.relatedTarget)) close();
  });
  document.addEventListener("focusout", close);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
  window.addEventListener("scroll", close, { passive: true });
})();
