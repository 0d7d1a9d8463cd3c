// supplier-sandbox dashboard: actions go through the control API (/_sandbox/...), the live feed
// comes from /_sandbox/ui/events (server-sent events). No framework, no build step.
(() => {
  "use strict";

  const page = document.body.dataset.page;
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const FEED_LIMIT = 200;

  function toast(text, bad = false) {
    const box = $("#toast");
    box.textContent = text;
    box.className = bad ? "bad" : "";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, bad ? 8000 : 3500);
  }

  async function control(method, path, body) {
    // the control API credits the events of the dashboard's buttons to it in the timeline
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json", "X-Sandbox-Client": "dashboard" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!response.ok) {
      let message = (data && (data.message || data.error)) || response.statusText;
      if (data && data.errors) {
        message += " " + Object.entries(data.errors).map(([field, notes]) => `${field}: ${notes.join(" ")}`).join("; ");
      }
      throw Object.assign(new Error(message), { status: response.status });
    }
    return data;
  }

  async function busy(button, work) {
    if (button) button.disabled = true;
    try {
      return await work();
    } catch (error) {
      toast(error.message, true);
      return undefined;
    } finally {
      if (button) button.disabled = false;
    }
  }

  function showClock(now, frozen) {
    for (const node of $$("[data-clock]")) node.textContent = now;
    for (const node of $$("[data-clock-state]")) node.textContent = frozen ? "frozen" : "running";
    for (const node of $$("[data-freeze]")) {
      node.textContent = frozen ? "Resume" : "Freeze";
      node.dataset.frozen = frozen ? "true" : "false";
    }
  }

  // A reset or scenario played from this page is followed without reloading it.
  let ownReset = 0;

  // Live regions ([data-live] with an id) are fetched again and swapped in, never the whole page.
  let refreshing = false;
  let again = false;
  let timer = null;
  let held = false;

  function shipFormOpen() {
    const form = $("[data-ship-form]");
    return Boolean(form && !form.hidden);
  }

  function scheduleRefresh(delay = 150) {
    if (timer === null) timer = setTimeout(() => { timer = null; refresh(); }, delay);
  }

  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      if (shipFormOpen()) { held = true; return; }
      const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      if (shipFormOpen()) { held = true; return; }  // opened while the page was being fetched
      for (const region of $$("[data-live]")) {
        const replacement = fresh.getElementById(region.id);
        if (!replacement) continue;
        // what the reader opened stays open (the coverage page's hits)
        for (const opened of $$("details[open][id]", region)) {
          const again = $(`#${CSS.escape(opened.id)}`, replacement);
          if (again) again.open = true;
        }
        region.replaceWith(document.adoptNode(replacement));
      }
      if (page === "order") showAnswer(selectedAnswer);
      for (const details of $$("details[open][data-request]")) openRequest(details);
      if (page === "overview") loadFaults();
    } finally {
      refreshing = false;
      if (again) { again = false; scheduleRefresh(); }
    }
  }

  // The order page: events, the ship form, the API's answers.
  let selectedAnswer = null;

  function showAnswer(label) {
    const tabs = $$("[data-view]");
    if (!tabs.length) return;
    if (!label || !tabs.some((tab) => tab.dataset.view === label)) label = tabs[0].dataset.view;
    selectedAnswer = label;
    for (const tab of tabs) tab.setAttribute("aria-selected", tab.dataset.view === label ? "true" : "false");
    for (const answer of $$("[data-answer]")) answer.hidden = answer.dataset.answer !== label;
  }

  function orderPath() {
    const region = $("#order");
    return `/_sandbox/${region.dataset.api}/orders/${encodeURIComponent(region.dataset.orderId)}/events`;
  }

  async function applyEvent(button, body) {
    let refused = false;  // 409: the order moved on meanwhile (the schedule, a script)
    const result = await busy(button, async () => {
      try {
        return await control("POST", orderPath(), body);
      } catch (error) {
        refused = error.status === 409;
        throw error;
      }
    });
    if (result) toast(`${result.event}: ${result.previousStatus} → ${result.status}`);
    if (result || refused) {  // the order as it is now, and the form closed
      const form = $("[data-ship-form]");
      if (form) form.hidden = true;
      held = false;
      await refresh();
    }
  }

  // The ship form's fields as the supplier's page lists them: units per key, text, a list (one
  // per line) and a count (sent unless the list it names has entries, which must then match it).
  function shipBody(form) {
    const body = { event: "ship" };
    const carrier = form.elements.carrier.value;
    if (carrier) body.carrier = carrier;
    const units = $$("input[data-units]", form);
    if (units.length) {
      const items = {};
      for (const input of units) {
        const count = parseInt(input.value || "0", 10);
        if (count > 0) items[input.dataset.key] = count;
      }
      if (!Object.keys(items).length) throw new Error("Choose at least one unit to ship.");
      body[units[0].dataset.units] = items;
    }
    for (const input of $$("input[data-text]", form)) {
      const text = input.value.trim();
      if (text) body[input.name] = text;
    }
    for (const input of $$("textarea[data-list]", form)) {
      const entries = input.value.split(/[\s,]+/).filter(Boolean);
      if (entries.length) body[input.name] = entries;
    }
    for (const input of $$("input[data-count]", form)) {
      const count = parseInt(input.value || "1", 10);
      const list = input.dataset.unless ? body[input.dataset.unless] : undefined;
      if (!list) body[input.name] = count;
      else if (list.length !== count) {
        throw new Error(input.dataset.mismatch.replace("{count}", count).replace("{given}", list.length));
      }
    }
    return body;
  }

  // The overview: fault rules from the control API ("none" when it has none, or no such endpoint).
  function describeFault(rule) {
    const effect = [];
    if (rule.status) effect.push(`answers ${rule.status}`);
    if (rule.drop) effect.push("drops the connection");
    if (rule.latencyMs) effect.push(`waits ${rule.latencyMs}${rule.latencyMaxMs ? "–" + rule.latencyMaxMs : ""} ms`);
    if (rule.retryAfter) effect.push(`Retry-After ${rule.retryAfter} s`);
    if (rule.probability) effect.push(`probability ${rule.probability}`);
    return effect.join(", ");
  }

  async function loadFaults() {
    const box = $("[data-faults]");
    if (!box) return;
    let faults;
    try {
      const response = await fetch("/_sandbox/faults", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 404) faults = [];
      else if (response.ok) faults = (await response.json()).faults || [];
      else throw new Error(`${response.status} ${response.statusText}`);
    } catch (error) {
      box.replaceChildren(Object.assign(document.createElement("p"), { className: "error", textContent: `Could not read the fault rules: ${error.message}` }));
      return;
    }
    if (!faults.length) {
      box.replaceChildren(Object.assign(document.createElement("p"), { className: "muted", textContent: "none" }));
      return;
    }
    const table = document.createElement("table");
    table.className = "faults";
    const head = table.createTHead().insertRow();
    for (const title of ["Rule", "Matches", "Does", "Fired", "Left"]) {
      head.appendChild(Object.assign(document.createElement("th"), { textContent: title }));
    }
    head.appendChild(document.createElement("th"));
    const body = table.createTBody();
    for (const rule of faults) {
      const row = body.insertRow();
      row.dataset.fault = rule.id;
      const matches = [rule.api, rule.method || "any method", rule.path || "every path", rule.credential || ""].filter(Boolean).join(" ");
      const cells = [`${rule.id} (${rule.source})`, matches, describeFault(rule), String(rule.fired),
        rule.remaining === null || rule.remaining === undefined ? "∞" : String(rule.remaining)];
      for (const text of cells) row.insertCell().textContent = text;
      const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "Remove" });
      remove.dataset.removeFault = rule.id;
      remove.setAttribute("aria-label", `Remove ${rule.id}`);
      row.insertCell().appendChild(remove);
    }
    const scroll = document.createElement("div");
    scroll.className = "scroll";
    scroll.appendChild(table);
    box.replaceChildren(scroll);
  }

  function faultRule(form) {
    const data = new FormData(form);
    const [api, method, path] = String(data.get("target")).split("|");
    const rule = { api };
    if (method) rule.method = method;
    if (path) rule.path = path;
    const credential = String(data.get("credential") || "").trim();
    if (credential) rule.credential = credential;
    const effect = String(data.get("effect"));
    if (effect === "drop") rule.drop = true;
    else if (effect) rule.status = Number(effect);
    for (const name of ["latencyMs", "times"]) {
      const value = String(data.get(name) || "").trim();
      if (value) rule[name] = Number(value);
    }
    const probability = String(data.get("probability") || "").trim();
    if (probability) rule.probability = Number(probability);
    return rule;
  }

  async function loadRateLimits() {
    const shown = $("[data-rate-limits-state]");
    if (!shown) return;
    try {
      const limits = await control("GET", "/_sandbox/rate-limits");
      shown.textContent = limits.enabled ? "on" : "off";
      shown.dataset.enabled = String(limits.enabled);
    } catch (error) {
      shown.textContent = `unknown (${error.message})`;
    }
  }

  // The last scenario played from this tab, shown again when the overview is opened again.
  const PLAYED = "sandbox.scenario";

  function scenarioResult(result) {
    const box = $("[data-scenario-result]");
    if (!box) return;
    const list = document.createElement("ul");
    for (const [name, made] of Object.entries(result.orders || {})) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/_sandbox/ui/${made.api}/orders/${encodeURIComponent(made.orderId)}`;
      link.textContent = made.reference || made.orderId;
      item.append(link, ` (${name}: ${made.api} order ${made.orderId}, ${made.status})`);
      list.appendChild(item);
    }
    const intro = Object.assign(document.createElement("p"), { textContent: `Played ${result.scenario}: ${result.description}` });
    box.replaceChildren(intro, list);
  }

  // Clicks and submits, delegated: live regions are swapped in without re-binding anything.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.advance) {
      const moved = await busy(button, () => control("POST", "/_sandbox/clock", { advance: button.dataset.advance }));
      if (moved) {
        showClock(moved.now, moved.frozen);
        const note = $("[data-applied]");
        if (note) note.textContent = `Now ${moved.now}: the schedule made ${moved.applied} move(s).`;
        toast(`Clock moved to ${moved.now}; ${moved.applied} scheduled move(s).`);
      }
    } else if (button.hasAttribute("data-copy") || button.dataset.copyFrom) {
      const from = button.dataset.copyFrom ? $(button.dataset.copyFrom) : null;
      const text = from ? from.textContent : button.dataset.copy;
      try {
        await navigator.clipboard.writeText(text);
        toast("Copied.");
      } catch {
        toast("This browser does not let the page copy here (it needs localhost or HTTPS): select the text instead.", true);
      }
    } else if (button.hasAttribute("data-freeze")) {
      const frozen = button.dataset.frozen !== "true";
      const moved = await busy(button, () => control("POST", "/_sandbox/clock", { frozen }));
      if (moved) showClock(moved.now, moved.frozen);
    } else if (button.hasAttribute("data-reset")) {
      if (!window.confirm("Reset the sandbox to its seeded state? Every order, event, tenant and token made since is lost.")) return;
      const done = await busy(button, () => control("POST", "/_sandbox/reset"));
      if (done) { sessionStorage.removeItem(PLAYED); location.reload(); }
    } else if (button.dataset.removeFault) {
      const done = await busy(button, () => control("DELETE", `/_sandbox/faults/${encodeURIComponent(button.dataset.removeFault)}`));
      if (done !== undefined) { toast(`Rule ${button.dataset.removeFault} removed.`); loadFaults(); }
    } else if (button.hasAttribute("data-clear-faults")) {
      if (!window.confirm("Remove every fault rule, those of the fixtures too? A reset brings the fixtures' back.")) return;
      const done = await busy(button, () => control("DELETE", "/_sandbox/faults"));
      if (done !== undefined) { toast("Every fault rule removed."); loadFaults(); }
    } else if (button.hasAttribute("data-rate-limits")) {
      const enabled = $("[data-rate-limits-state]").dataset.enabled !== "true";
      const limits = await busy(button, () => control("PUT", "/_sandbox/rate-limits", { enabled }));
      if (limits) { toast(`Rate limits ${limits.enabled ? "on" : "off"}.`); loadRateLimits(); }
    } else if (button.hasAttribute("data-clear-coverage")) {
      if (!window.confirm("Start counting coverage over? Every count so far is lost.")) return;
      const done = await busy(button, () => control("DELETE", "/_sandbox/coverage"));
      if (done !== undefined) location.reload();
    } else if (button.hasAttribute("data-scenario")) {
      const name = $("[data-scenario-name]").value;
      if (!window.confirm(`Play the scenario ${name}? It resets the sandbox first: every order, event, tenant and token made since is lost.`)) return;
      ownReset = Date.now();
      const result = await busy(button, () => control("POST", `/_sandbox/scenarios/${encodeURIComponent(name)}`));
      if (result) {
        sessionStorage.setItem(PLAYED, JSON.stringify(result));
        scenarioResult(result);
        toast(`Scenario ${name} played.`);
        scheduleRefresh(0);
      }
    } else if (button.dataset.event) {
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
      if (button.dataset.event === "ship" && $("[data-ship-form]")) {
        const form = $("[data-ship-form]");
        form.hidden = false;
        const first = $("input, textarea, select", form);
        if (first) first.focus();
        return;
      }
      await applyEvent(button, { event: button.dataset.event });
    } else if (button.hasAttribute("data-close-ship")) {
      $("[data-ship-form]").hidden = true;
      if (held) { held = false; scheduleRefresh(0); }
    } else if (button.dataset.view) {
      showAnswer(button.dataset.view);
    } else if (button.hasAttribute("data-pause")) {
      paused = !paused;
      button.textContent = paused ? "Resume" : "Pause";
      button.setAttribute("aria-pressed", String(paused));
      if (!paused) { for (const entry of waiting.splice(0)) addRequest(entry); }
      showWaiting();
    } else if (button.hasAttribute("data-clear-requests")) {
      if (!window.confirm("Clear the journal? Every request it holds is gone, for every client of this sandbox.")) return;
      const done = await busy(button, () => control("DELETE", "/_sandbox/requests"));
      if (done !== undefined) {
        waiting.splice(0);
        showWaiting();
        $("#requests").replaceChildren(Object.assign(document.createElement("li"), { className: "empty muted", textContent: "No requests yet." }));
        toast("The journal is empty.");
      }
    }
  });

  document.addEventListener("input", (event) => {
    if (event.target.closest("[data-request-filters]")) applyFilters();
  });
  document.addEventListener("submit", (event) => {
    if (event.target.matches("[data-request-filters]")) event.preventDefault();
  });

  document.addEventListener("change", (event) => {
    if (event.target.closest("[data-request-filters]")) applyFilters();
    const select = event.target.closest("[data-scenario-name]");
    const shown = $("[data-scenario-description]");
    if (select && shown) shown.textContent = select.selectedOptions[0]?.title || "";
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.matches("[data-fault-form]")) {
      event.preventDefault();
      const rule = await busy(form.querySelector("button[type=submit]"), () => control("POST", "/_sandbox/faults", faultRule(form)));
      if (rule) { toast(`Rule ${rule.id} added.`); loadFaults(); }
      return;
    }
    if (!form.matches("[data-ship-form]")) return;
    event.preventDefault();
    let body;
    try {
      body = shipBody(form);
    } catch (error) {
      toast(error.message, true);
      return;
    }
    await applyEvent(form.querySelector("button[type=submit]"), body);
  });

  // The live page's feeds.
  function prepend(list, item) {
    $(".empty", list)?.remove();
    item.classList.add("fresh");
    list.prepend(item);
    while (list.children.length > FEED_LIMIT) list.lastElementChild.remove();
  }

  function span(className, text) {
    return Object.assign(document.createElement("span"), { className, textContent: text });
  }

  function supplierLabel(api) {
    return JSON.parse(document.body.dataset.labels || "{}")[api] || api;
  }

  function badgeClass(status) {
    return "status-" + status.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  // A request of the journal: its line, which opens to the request and its answer.
  function requestItem(entry) {
    const item = document.createElement("li");
    Object.assign(item.dataset, { id: entry.id, api: entry.api, status: entry.status, credential: entry.credential || "", path: entry.path });
    const details = Object.assign(document.createElement("details"), { className: "request", id: `request-${entry.id}` });
    details.dataset.request = entry.id;
    const summary = document.createElement("summary");
    summary.append(
      Object.assign(document.createElement("time"), { textContent: entry.time }),
      span(`api api-${entry.api}`, entry.api === "sandbox" ? "control API" : supplierLabel(entry.api)),
      span(`code code-${Math.floor(entry.status / 100)}xx`, String(entry.status)),
      Object.assign(document.createElement("code"), {
        className: "request", textContent: `${entry.method} ${entry.path}${entry.query ? "?" + entry.query : ""}` }),
    );
    if (entry.credential) summary.append(span("muted", entry.credential));
    if (entry.durationMs !== null && entry.durationMs !== undefined) summary.append(span("muted duration", `${entry.durationMs.toFixed(1)} ms`));
    if (entry.fault) summary.append(span("fault", `fault ${entry.fault}`));
    const detail = Object.assign(document.createElement("div"), { className: "detail" });
    detail.dataset.detail = "";
    details.append(summary, detail);
    item.append(details);
    return item;
  }

  // What a request sent and got, fetched when it is first opened (an entry never changes).
  const requestDetails = new Map();

  function mediaOf(headers) {
    return (headers["content-type"] || "").split(";")[0].trim().toLowerCase();
  }

  function pretty(text, headers) {
    if (text === null || text === undefined || text === "") return null;
    if (/json/.test(mediaOf(headers))) {
      try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }  // cut at 4 KB
    }
    return text;
  }

  function headersTable(headers) {
    const table = Object.assign(document.createElement("table"), { className: "headers" });
    const body = table.createTBody();
    for (const [name, value] of Object.entries(headers)) {
      const row = body.insertRow();
      row.dataset.header = name;
      row.insertCell().textContent = name;
      row.insertCell().textContent = value;
    }
    if (!Object.keys(headers).length) body.insertRow().insertCell().textContent = "not kept";
    return table;
  }

  function bodyBlock(text, headers, label) {
    const shown = pretty(text, headers);
    if (shown === null) return Object.assign(document.createElement("p"), { className: "muted", textContent: `No ${label} body shown (none, sent in parts, or not text).` });
    const block = Object.assign(document.createElement("pre"), { className: "body", textContent: shown });
    block.dataset.body = label;
    return block;
  }

  function renderDetail(box, entry) {
    const facts = Object.assign(document.createElement("dl"), { className: "facts" });
    const rows = [
      ["Operation", entry.operation || "unknown"],
      ["Time", entry.time],
      ["Duration", entry.durationMs === null ? "unknown" : `${entry.durationMs} ms`],
      ["Credential", entry.credential || "none recognised"],
      ["Fault rule", entry.fault || "none fired"],
    ];
    for (const [term, value] of rows) {
      facts.append(Object.assign(document.createElement("dt"), { textContent: term }),
        Object.assign(document.createElement("dd"), { textContent: value }));
    }
    facts.lastElementChild.dataset.fault = entry.fault || "";
    const line = `${entry.method} ${entry.path}${entry.query ? "?" + entry.query : ""}`;
    const request = document.createElement("section");
    request.className = "sent";
    request.append(Object.assign(document.createElement("h4"), { textContent: "Request" }),
      Object.assign(document.createElement("pre"), { className: "line", textContent: line }),
      headersTable(entry.requestHeaders), bodyBlock(entry.body, entry.requestHeaders, "request"));
    const response = document.createElement("section");
    response.className = "got";
    const status = span(`code code-${Math.floor(entry.status / 100)}xx`, String(entry.status));
    status.dataset.responseStatus = entry.status;
    response.append(Object.assign(document.createElement("h4"), { textContent: "Response " }),
      headersTable(entry.responseHeaders), bodyBlock(entry.responseBody, entry.responseHeaders, "response"));
    response.firstElementChild.append(status);
    const note = Object.assign(document.createElement("p"), { className: "muted small",
      textContent: "Bodies: the first 4 KB. Credentials are masked (***)." });
    box.replaceChildren(facts, request, response, note);
    box.dataset.loaded = "true";
  }

  async function openRequest(details) {
    const box = $("[data-detail]", details);
    if (!box || box.dataset.loaded) return;
    const number = details.dataset.request;
    let entry = requestDetails.get(number);
    if (!entry) {
      box.textContent = "Loading…";
      try {
        entry = await control("GET", `/_sandbox/requests/${encodeURIComponent(number)}`);
      } catch (error) {
        box.textContent = error.status === 404 ? "The journal no longer holds this request." : `Could not read it: ${error.message}`;
        return;
      }
      requestDetails.set(number, entry);
    }
    renderDetail(box, entry);
  }

  document.addEventListener("toggle", (event) => {
    const details = event.target;
    if (details instanceof HTMLDetailsElement && details.open && details.dataset.request) openRequest(details);
  }, true);

  // The live page's requests: filters, pause and clear.
  let paused = false;
  const waiting = [];

  function requestFilter() {
    const form = $("[data-request-filters]");
    if (!form) return () => true;
    const api = form.elements.api.value;
    const credential = form.elements.credential.value.trim().toLowerCase();
    const status = form.elements.status.value;
    const path = form.elements.path.value.trim();
    return (item) => {
      const data = item.dataset;
      if (!data.id) return true;
      return (!api || data.api === api) &&
        (!credential || (data.credential || "").toLowerCase().includes(credential)) &&
        (!status || String(data.status).startsWith(status)) &&
        (!path || (data.path || "").includes(path));
    };
  }

  function applyFilters() {
    const keeps = requestFilter();
    for (const item of $$("#requests > li")) item.hidden = !keeps(item);
  }

  function showWaiting() {
    const note = $("[data-paused]");
    if (!note) return;
    note.hidden = !paused;
    note.textContent = waiting.length ? `Paused: ${waiting.length} new request(s) wait.` : "Paused.";
  }

  function addRequest(entry) {
    const item = requestItem(entry);
    item.hidden = !requestFilter()(item);
    prepend($("#requests"), item);
  }

  function changeItem(data) {
    const change = data.change;
    const item = document.createElement("li");
    item.dataset.orderId = data.orderId;
    item.dataset.event = change.event;
    const link = Object.assign(document.createElement("a"), { href: data.url, textContent: data.reference || data.orderId });
    item.append(Object.assign(document.createElement("time"), { textContent: change.at }),
      span(`api api-${data.api}`, supplierLabel(data.api)), link,
      Object.assign(document.createElement("b"), { textContent: change.event }));
    if (change.previous) item.append(span(`badge ${badgeClass(change.previous)}`, change.previous), document.createTextNode("→"));
    const causes = JSON.parse($("#changes").dataset.causes || "{}");
    item.append(span(`badge ${badgeClass(change.status)}`, change.status),
      span(`cause cause-${change.cause}`, causes[change.cause] || change.cause));
    return item;
  }

  function onOrder(data) {
    if (page === "live") {
      prepend($("#changes"), changeItem(data));
    } else if (page === "overview") {
      scheduleRefresh(500);
    } else if (page === "orders") {
      scheduleRefresh(500);  // the table, or another account's count in the tabs
    } else if (page === "order") {
      const region = $("#order");
      if (region && region.dataset.api === data.api && region.dataset.orderId === data.orderId) scheduleRefresh();
    } else if (page === "coverage") {
      scheduleRefresh(1000);  // a transition counted
    }
  }

  function onRequest(entry) {
    if (page === "live") {
      if (!paused) addRequest(entry);
      else if (waiting.push(entry) > FEED_LIMIT) waiting.shift();
      showWaiting();
    } else if (page === "overview" || page === "coverage") {
      scheduleRefresh(1000);  // the counts
    } else if (page === "order") {
      const region = $("#order");
      if (region && region.dataset.api === entry.api) scheduleRefresh(1000);  // perhaps a request of it
    }
  }

  function connect() {
    if (!window.EventSource) return;
    const source = new EventSource("/_sandbox/ui/events");
    const state = $("[data-stream-state]");
    const banner = $("#stream-lost");
    source.addEventListener("open", () => {
      document.body.dataset.stream = "open";
      if (state) state.textContent = "connected.";
      if (banner) banner.hidden = true;
    });
    source.addEventListener("error", () => {
      document.body.dataset.stream = "reconnecting";
      if (state) state.textContent = "reconnecting…";
      if (banner) banner.hidden = false;
    });
    source.addEventListener("clock", (event) => {
      const clock = JSON.parse(event.data);
      showClock(clock.now, clock.frozen);
    });
    source.addEventListener("order", (event) => onOrder(JSON.parse(event.data)));
    source.addEventListener("request", (event) => onRequest(JSON.parse(event.data)));
    source.addEventListener("reset", () => {
      if (Date.now() - ownReset < 5000) scheduleRefresh(0);
      else location.reload();
    });
    source.addEventListener("reload", () => location.reload());
    window.addEventListener("pagehide", () => source.close());
  }

  if (page === "order") showAnswer(null);
  if (page === "overview") {
    loadFaults();
    loadRateLimits();
    // rules and limits changed by a script (no event tells of them): read again now and then
    setInterval(() => { if (!document.hidden) { loadFaults(); loadRateLimits(); } }, 5000);
    const played = sessionStorage.getItem(PLAYED);
    if (played) { try { scenarioResult(JSON.parse(played)); } catch { sessionStorage.removeItem(PLAYED); } }
  }
  connect();
})();
