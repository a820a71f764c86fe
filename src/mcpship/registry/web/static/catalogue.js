// Progressive enhancement for the catalogue: live search results as you type, and copy buttons on snippets.
// Without JavaScript the search form submits normally and snippets stay selectable text.
"use strict";

(() => {
  const DEBOUNCE_MS = 200;

  function liveSearch(form) {
    const results = document.getElementById("results");
    if (!results || !window.fetch) return;
    let timer = 0;
    let inFlight = null;

    async function refresh() {
      const params = new URLSearchParams(new FormData(form));
      for (const [key, value] of [...params]) if (!value) params.delete(key);
      if (inFlight) inFlight.abort();
      inFlight = new AbortController();
      results.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(`/_catalogue/results?${params}`, {
          signal: inFlight.signal,
          headers: { Accept: "text/html" },
        });
        if (!response.ok) return;
        results.innerHTML = await response.text();
        // One persistent live region announces the new count; re-announcing the whole list would be noise.
        const status = document.getElementById("results-status");
        const count = results.querySelector(".count");
        if (status && count) status.textContent = count.textContent.replace(/\s+/g, " ").trim();
        const query = params.toString();
        history.replaceState(null, "", query ? `/?${query}` : "/");
      } catch (error) {
        if (error.name !== "AbortError") throw error;
      } finally {
        results.removeAttribute("aria-busy");
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DEBOUNCE_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      refresh();
    });
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    if (!copied) throw new Error("copy refused");
  }

  function copyButtons() {
    const status = document.querySelector(".copy-status");
    for (const pre of document.querySelectorAll("pre[data-copy]")) {
      const wrapper = document.createElement("div");
      wrapper.className = "snippet-body";
      pre.replaceWith(wrapper);
      wrapper.appendChild(pre);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      const client = pre.closest("details")?.querySelector("summary")?.firstChild?.textContent?.trim() || "snippet";
      button.setAttribute("aria-label", `Copy the ${client} snippet`);
      button.addEventListener("click", async () => {
        try {
          await copyText(pre.innerText);
          button.textContent = "Copied";
          if (status) status.textContent = `${client} snippet copied to the clipboard.`;
        } catch {
          button.textContent = "Select and copy";
          window.getSelection()?.selectAllChildren(pre);
        }
        setTimeout(() => { button.textContent = "Copy"; }, 2000);
      });
      wrapper.appendChild(button);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-live-search]");
    if (form) liveSearch(form);
    copyButtons();
  });
})();
