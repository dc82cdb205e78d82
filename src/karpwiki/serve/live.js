// karpwiki serve: reload this page when its file is rebuilt, keep the scroll position, and
// show check findings in an overlay. Injected by the preview server only, never built.
(() => {
  "use strict";
  const script = document.currentScript;
  let version = Number(script.dataset.version);
  const here = decodeURIComponent(location.pathname).replace(/\/$/, "/index.html");
  const scrollKey = "karpwiki-scroll:" + here;

  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const restore = () => window.scrollTo(0, Number(saved));
    restore();
    window.addEventListener("load", restore);
  }

  let overlay = null;
  function showProblems(state) {
    const lines = state.problem ? [state.problem] : state.findings;
    if (!lines.length) {
      if (overlay) overlay.remove();
      overlay = null;
      return;
    }
    if (!overlay) {
      overlay = document.createElement("aside");
      overlay.id = "karpwiki-findings";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;left:0;right:0;bottom:0;max-height:45vh;overflow:auto;z-index:2147483647;" +
        "margin:0;padding:12px 16px;background:#2b0b0b;color:#ffe5e5;border-top:3px solid #ff6b6b;" +
        "font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = (state.problem ? "karpwiki could not rebuild:\n" : "karpwiki check found problems (showing the last good pages):\n") + lines.join("\n");
  }

  const events = new EventSource("/__karpwiki/events");
  events.onmessage = (message) => {
    const state = JSON.parse(message.data);
    showProblems(state);
    if (state.version <= version) return;
    version = state.version;
    if (state.changed.includes("*") || state.changed.includes(here)) {
      sessionStorage.setItem(scrollKey, String(window.scrollY));
      location.reload();
    }
  };
})();
