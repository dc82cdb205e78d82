/* karpwiki: runs in <head> before the page is drawn. Applies the remembered theme (no flash),
   finds the site root from this script's own URL, and loads build-time data scripts on demand
   (scripts, not fetch, so everything works from file://). */
(function () {
  "use strict";
  var html = document.documentElement;
  var script = document.currentScript;
  var root = script.src.slice(0, script.src.length - "static/site.js".length);
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)");
  var loading = {};

  function stored() {
    try { return localStorage.getItem("kw-theme"); } catch (error) { return null; }
  }

  function dark() {
    var choice = stored();
    return choice ? choice === "dark" : systemDark.matches;
  }

  /* A chosen theme overrides the system: the CSS reads data-theme, and the code stylesheets
     switch media so the chosen one applies on screen (print stays light). */
  function applyTheme() {
    var choice = stored();
    var light = document.getElementById("kw-code-light");
    var darkCode = document.getElementById("kw-code-dark");
    if (choice) {
      html.setAttribute("data-theme", choice);
    } else {
      html.removeAttribute("data-theme");
    }
    if (light && darkCode) {
      light.media = choice === "dark" ? "print" : choice === "light" ? "all" : "print, (prefers-color-scheme: light)";
      darkCode.media = choice === "dark" ? "screen" : choice === "light" ? "not all" : "screen and (prefers-color-scheme: dark)";
    }
    var button = document.getElementById("kw-theme");
    if (button) button.setAttribute("aria-pressed", String(dark()));
  }

  /* Load static/NAME-data.js once; resolves with the global it sets. */
  function load(name, global) {
    if (!loading[name]) {
      loading[name] = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = root + "static/" + name + "-data.js";
        tag.onload = function () { resolve(window[global]); };
        tag.onerror = reject;
        document.head.appendChild(tag);
      });
    }
    return loading[name];
  }

  applyTheme();
  systemDark.addEventListener("change", applyTheme);

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("kw-theme");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        try { localStorage.setItem("kw-theme", dark() ? "light" : "dark"); } catch (error) { /* private mode */ }
        applyTheme();
      });
    }
    applyTheme();
    /* The table of contents is a sidebar on wide screens; on narrow ones it starts folded. */
    var toc = document.querySelector(".toc details");
    if (toc && window.matchMedia("(max-width: 1099.98px)").matches) toc.open = false;
  });

  window.kw = { root: root, page: html.getAttribute("data-page"), load: load };
})();
