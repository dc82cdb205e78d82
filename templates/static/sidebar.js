/* karpwiki: the sidebar, drawn from wiki-data.js (one shared file, so no page lists all the
   others), and the button that shows it on narrow screens. Without scripts the sidebar keeps
   its one link to the hub's list of all pages. */
(function () {
  "use strict";
  var nav = document.getElementById("kw-sidebar");
  var data = window.KW_WIKI;
  if (!nav || !data) return;

  var lists = data.groups.map(function (title, number) {
    var heading = document.createElement("h2");
    heading.textContent = title;
    heading.id = "kw-group-" + number;
    var list = document.createElement("ul");
    list.setAttribute("aria-labelledby", heading.id);
    return [heading, list];
  });
  data.pages.forEach(function (page) {
    var link = document.createElement("a");
    link.href = kw.root + page[0];
    link.textContent = page[1];
    if (page[0] === kw.page) link.setAttribute("aria-current", "page");
    var item = document.createElement("li");
    item.appendChild(link);
    lists[page[2]][1].appendChild(item);
  });
  nav.textContent = "";
  lists.forEach(function (pair) {
    if (pair[1].children.length) { nav.appendChild(pair[0]); nav.appendChild(pair[1]); }
  });
  var current = nav.querySelector("[aria-current]");
  if (current && nav.scrollHeight > nav.clientHeight) nav.scrollTop = current.offsetTop - nav.clientHeight / 3;

  var button = document.getElementById("kw-pages");
  if (!button) return;
  button.hidden = false;
  document.documentElement.classList.add("kw-sidebar-folds");
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    document.documentElement.classList.toggle("kw-sidebar-open", open);
    if (open) nav.querySelector("a").focus();
  });
})();
