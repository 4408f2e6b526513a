// The staff page: sign in with a staff token, scan or type a code, receive / sell / count,
// pick the open orders with a part here (at the hub), work through today's cycle counts, and
// close out the day (at a node's own agent). The cards the page has say which of these it does.
// Everything goes through the JSON API with the token as a bearer header.
"use strict";

(() => {
  const root = document.getElementById("app");
  const node = root.dataset.node;
  // Times on the node's own clock, with its zone, whatever the phone's setting (a node agent's
  // page, which does not know it, uses the phone's).
  const zone = root.dataset.zone || undefined;
  const dayOf = (date) => date.toLocaleDateString("en-CA", { timeZone: zone });
  const key = `microindex.token.${node}`;
  const $ = (id) => document.getElementById(id);
  let item = null;
  // A count that moves on-hand by more than this many units asks first: a slip of the thumb
  // (12 for 120) would otherwise rewrite the stock in one tap.
  const COUNT_ASKS_OVER = 3;
  let pendingCount = null;
  const has = (feature) => Boolean($(`${feature}-card`));

  // `saleKey`: a sale's Idempotency-Key. An error says whether the server answered (`answered`):
  // a lost connection or a 5xx may have recorded the sale, a 4xx recorded nothing.
  async function api(method, path, body, saleKey) {
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${sessionStorage.getItem(key) || ""}`,
          ...(body ? { "Content-Type": "application/json" } : {}),
          ...(saleKey ? { "Idempotency-Key": saleKey } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (lost) {
      const error = new Error("No answer from the server: try again (a sale is not made twice).");
      error.code = "";
      error.answered = false;
      throw error;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 401) signOut();
      const error = new Error(data.error ? data.error.message : `HTTP ${response.status}`);
      error.code = data.error ? data.error.code : "";
      error.answered = response.status < 500;
      throw error;
    }
    return data;
  }

  // One key per sale (ADR 0058): made when a sale is asked, and kept while its answer is
  // unknown, so that tapping Sell again for the same sale sends the same key and the node
  // records the sale once. Any answer spends it; the next sale gets a new one.
  let unanswered = null; // { sale, key } of the sale whose answer never came
  const newSaleKey = () =>
    `staff-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  const saleKeyFor = (sale) => (unanswered && unanswered.sale === sale ? unanswered.key : newSaleKey());

  function say(text, problem = false) {
    $("message").textContent = text;
    $("message").classList.toggle("problem", problem);
  }

  function show(signedIn) {
    $("sign-in").hidden = signedIn;
    $("scan").hidden = !signedIn;
    $("today-card").hidden = !signedIn;
    for (const feature of ["picks", "packing", "counts", "closeout"]) {
      if (has(feature)) $(`${feature}-card`).hidden = !signedIn;
    }
    $("sign-out").hidden = !signedIn;
    $("camera-button").hidden = !signedIn || !("BarcodeDetector" in window);
    if (!signedIn) $("item").hidden = true;
  }

  function signOut() {
    sessionStorage.removeItem(key);
    show(false);
  }

  async function signIn(event) {
    event.preventDefault();
    sessionStorage.setItem(key, $("token").value.trim());
    try {
      await api("GET", `/nodes/${node}/head`);
    } catch (error) {
      sessionStorage.removeItem(key);
      say(error.message, true);
      return;
    }
    $("token").value = "";
    show(true);
    say("");
    await refreshAll();
    $("code").focus();
  }

  function refreshAll() {
    const lists = [refreshToday()];
    if (has("picks")) lists.push(refreshPicks());
    if (has("packing")) lists.push(refreshPacking());
    if (has("counts")) lists.push(refreshCounts());
    return Promise.all(lists).catch((error) => say(error.message, true));
  }

  async function lookUp(code) {
    try {
      item = await api("GET", `/codes/${encodeURIComponent(code)}`);
    } catch (error) {
      item = null;
      $("item").hidden = true;
      say(error.message, true);
      return;
    }
    cancelCount();
    $("item-title").textContent = item.title;
    $("item-sku").textContent = item.sku;
    $("item-gtin").textContent = item.gtin ? `GTIN ${item.gtin}` : "";
    $("item").hidden = false;
    say("");
    await refreshOnHand();
  }

  // A kit holds no stock: on hand is how many its parts here make; a sale sells its parts.
  const isKit = () => Boolean(item && item.kit);
  const salePath = () =>
    isKit() ? `/nodes/${node}/kits/${encodeURIComponent(item.sku)}/sell` : `/nodes/${node}/sell`;

  async function refreshOnHand() {
    if (isKit()) {
      const here = (await api("GET", `/kits/${encodeURIComponent(item.sku)}/stock?node=${node}`)).find((a) => a.node === node);
      $("on-hand").textContent = String(here ? here.on_hand : 0);
      return;
    }
    const lines = await api("GET", `/stock?node=${node}&sku=${encodeURIComponent(item.sku)}`);
    $("on-hand").textContent = String(lines.length ? lines[0].on_hand : 0);
  }

  async function act(action, confirmed = false) {
    const quantity = confirmed ? pendingCount : Number($("quantity").value);
    cancelCount();
    const most = Number($("quantity").max);  // the API's cap, as the page's input says it
    if (!item || !Number.isInteger(quantity) || quantity < (action === "count" ? 0 : 1) || quantity > most) {
      say(`Enter a whole number of units, up to ${most.toLocaleString("en-GB")}.`, true);
      return;
    }
    if (isKit() && action !== "sell") {
      say(`${item.sku} is a kit: it holds no stock of its own. ${action === "count" ? "Count" : "Receive"} its parts.`, true);
      return;
    }
    const onHand = Number($("on-hand").textContent);
    if (action === "count" && !confirmed && Number.isInteger(onHand) && Math.abs(quantity - onHand) > COUNT_ASKS_OVER) {
      askCount(quantity, onHand);
      return;
    }
    const body =
      action === "count" ? { sku: item.sku, counted: quantity } : { sku: item.sku, quantity };
    $("override").hidden = true;
    const path = action === "sell" ? salePath() : `/nodes/${node}/${action}`;
    const sent = isKit() ? { quantity } : body;
    const sale = action === "sell" ? `${path} ${JSON.stringify(sent)}` : null;
    const saleKey = sale ? saleKeyFor(sale) : undefined;
    try {
      const done = await api("POST", path, sent, saleKey);
      if (sale) unanswered = null;
      // a node whose agent keeps its ledger elsewhere: queued for its next sync (202)
      const receipt = action === "sell" ? saleName(isKit() ? done[0] : done) : "";  // a kit: its first part names it
      say(done.message || `${action === "count" ? "Counted" : action === "sell" ? "Sold" : "Received"} ${quantity} × ${item.sku}${isKit() ? " (a kit: its parts)" : ""}${receipt}`);
    } catch (error) {
      if (sale) unanswered = error.answered ? null : { sale, key: saleKey };
      // refused, nothing recorded: the override sells under the same key
      if (error.code === "promised_online") askOverride(isKit() ? { sku: item.sku, quantity, path, saleKey } : { ...body, saleKey }, error.message);
      else say(error.message, true);
    }
    await refreshAfter(action);
  }

  function askCount(quantity, onHand) {
    pendingCount = quantity;
    const change = quantity - onHand;
    $("count-confirm-why").textContent =
      `Counted ${quantity}: on hand goes from ${onHand} to ${quantity} (${change > 0 ? "+" : ""}${change}). Sure?`;
    $("count-confirm-yes").textContent = `Set on hand to ${quantity}`;
    $("count-confirm").hidden = false;
    $("count-confirm-yes").focus();
  }

  function cancelCount() {
    pendingCount = null;
    $("count-confirm").hidden = true;
  }

  // Units promised to online orders: sold only if the staff confirm it, saying why.
  let pendingSale = null;

  // one SKU's sale, named as `stock sell` prints it (node#seq): what a return is opened against
  const saleName = (done) => (done && done.seq ? `, sale ${done.node}#${done.seq}` : "");

  function askOverride(body, why) {
    pendingSale = body;
    say("Not sold: these units are promised to online orders.", true);
    $("override-why").textContent = why;
    $("override-reason").value = "";
    $("override").hidden = false;
    $("override-reason").focus();
  }

  async function sellAnyway(event) {
    event.preventDefault();
    if (!pendingSale) return;
    const body = { ...pendingSale, override: { reason: $("override-reason").value.trim() } };
    try {
      // a kit's sale keeps the path it was refused on; a retry after no answer, its key
      const { path, saleKey, ...sale } = body;
      const done = await api("POST", path || `/nodes/${node}/sell`, path ? { quantity: sale.quantity, override: sale.override } : sale, saleKey);
      say(`Sold ${body.quantity} × ${body.sku} as an overdraft${path ? "" : saleName(done)}`);
      cancelOverride();
    } catch (error) {
      say(error.message, true);
    }
    await refreshAfter("sell");
  }

  function cancelOverride() {
    pendingSale = null;
    $("override").hidden = true;
  }

  async function refreshAfter(action) {
    await refreshOnHand();
    await refreshToday();
    if (action === "count" && has("counts")) await refreshCounts().catch((error) => say(error.message, true));
  }

  async function refreshToday() {
    const { head } = await api("GET", `/nodes/${node}/head`);
    const page = await api("GET", `/nodes/${node}/movements?after=${Math.max(0, head - 200)}&limit=200`);
    const today = dayOf(new Date());
    const list = $("today");
    list.replaceChildren();
    // Goods that moved today; grants only move stock rights between the node and the hub.
    const moved = page.items.filter((m) => m.kind !== "grant" && dayOf(new Date(m.at)) === today);
    for (const m of moved.reverse()) {
      const li = document.createElement("li");
      const time = new Date(m.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: zone });
      li.textContent = `${time}  ${m.kind} ${m.quantity > 0 ? "+" : ""}${m.quantity}  ${m.sku}`;
      list.append(li);
    }
    if (!list.children.length) list.append(Object.assign(document.createElement("li"), { textContent: "Nothing yet today." }));
  }

  const TO_PICK = ["promised", "confirmed"];

  async function refreshPicks() {
    const orders = await api("GET", `/orders?node=${encodeURIComponent(node)}`);
    const list = $("picks");
    list.replaceChildren();
    for (const order of orders) {
      const part = order.parts.find((p) => p.node === node && TO_PICK.includes(p.step));
      if (part) list.append(pickItem(order, part));
    }
    if (!list.children.length) list.append(Object.assign(document.createElement("li"), { textContent: "Nothing to pick." }));
  }

  function pickItem(order, part) {
    const li = document.createElement("li");
    li.dataset.order = order.id;
    const what = document.createElement("div");
    const by = new Date(order.promised_by).toLocaleString([], {
      weekday: "short", hour: "2-digit", minute: "2-digit", timeZone: zone, timeZoneName: "short",
    });
    const title = Object.assign(document.createElement("strong"), { textContent: order.id });
    const when = Object.assign(document.createElement("span"), { className: "muted", textContent: ` by ${by}` });
    const lines = document.createElement("ul");
    for (const line of part.lines) {
      lines.append(Object.assign(document.createElement("li"), { textContent: `${line.quantity} × ${line.sku}` }));
    }
    what.append(title, when, lines);
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: "Picked" });
    button.addEventListener("click", () => pick(order.id, part.step, button));
    li.append(what, button);
    return li;
  }

  async function pick(order, step, button) {
    button.disabled = true;
    try {
      if (step === "promised") await api("POST", `/orders/${encodeURIComponent(order)}/steps`, { node, step: "confirmed" });
      await api("POST", `/orders/${encodeURIComponent(order)}/steps`, { node, step: "picked" });
      say(`Picked ${order}`);
    } catch (error) {
      say(error.message, true);
    }
    await refreshPicks().catch((error) => say(error.message, true));
    if (has("packing")) await refreshPacking().catch((error) => say(error.message, true));
  }

  // Packing: each picked part here, packed in the package scanned (or chosen from the node's
  // templates; left empty, the templates choose), which the hub records with the order.
  async function refreshPacking() {
    const [orders, templates] = await Promise.all([
      api("GET", `/orders?node=${encodeURIComponent(node)}`),
      api("GET", `/nodes/${encodeURIComponent(node)}/packages`),
    ]);
    $("packages").replaceChildren(
      ...templates.map((t) => Object.assign(document.createElement("option"), { value: t.code, label: t.name })),
    );
    const list = $("to-pack");
    list.replaceChildren();
    for (const order of orders) {
      const part = order.parts.find((p) => p.node === node && p.step === "picked");
      if (part) list.append(packItem(order, part));
    }
    if (!list.children.length) list.append(Object.assign(document.createElement("li"), { textContent: "Nothing to pack." }));
  }

  function packItem(order, part) {
    const li = document.createElement("li");
    li.dataset.order = order.id;
    const what = document.createElement("div");
    const lines = document.createElement("ul");
    for (const line of part.lines) {
      lines.append(Object.assign(document.createElement("li"), { textContent: `${line.quantity} × ${line.sku}` }));
    }
    what.append(Object.assign(document.createElement("strong"), { textContent: order.id }), lines);
    const input = Object.assign(document.createElement("input"), {
      placeholder: "Scan the package", maxLength: 64, autocomplete: "off",
    });
    input.setAttribute("list", "packages");
    input.setAttribute("aria-label", `Package for ${order.id}`);
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: "Packed" });
    button.addEventListener("click", () => pack(order.id, input.value.trim(), button));
    li.append(what, input, button);
    return li;
  }

  async function pack(order, code, button) {
    button.disabled = true;
    try {
      const done = await api("POST", `/orders/${encodeURIComponent(order)}/pack`, { node, ...(code ? { package: code } : {}) });
      say(done.package ? `Packed ${order} in ${done.package.package}` : `Packed ${order} (no package recorded)`);
    } catch (error) {
      say(error.message, true);
    }
    await refreshPacking().catch((error) => say(error.message, true));
  }

  // Today's cycle counts: each line counted here goes through the ordinary count, and leaves.
  async function refreshCounts() {
    const lines = await api("GET", `/nodes/${node}/counts-today`);
    const list = $("counts");
    list.replaceChildren(...lines.map(countItem));
    if (!list.children.length) list.append(Object.assign(document.createElement("li"), { textContent: "All counted for today." }));
  }

  function described(line) {
    const what = document.createElement("div");
    what.append(
      Object.assign(document.createElement("strong"), { textContent: line.title || line.sku }),
      " ",
      Object.assign(document.createElement("code"), { textContent: line.sku }),
    );
    if (line.bins && line.bins.length) {
      what.append(" ", Object.assign(document.createElement("span"), { className: "bin", textContent: `Bin ${line.bins.join(", ")}` }));
    }
    return what;
  }

  function countInput(sku) {
    const input = Object.assign(document.createElement("input"), {
      type: "number", min: "0", max: "1000000", step: "1", inputMode: "numeric", required: true, placeholder: "Counted",
    });
    input.dataset.sku = sku;
    input.setAttribute("aria-label", `Counted ${sku}`);
    return input;
  }

  function countItem(line) {
    const li = document.createElement("li");
    li.dataset.sku = line.sku;
    const why = Object.assign(document.createElement("div"), { className: "why", textContent: line.reasons.join(" · ") });
    const form = Object.assign(document.createElement("form"), { className: "count-entry" });
    const input = countInput(line.sku);
    const button = Object.assign(document.createElement("button"), { type: "submit", textContent: "Count" });
    form.append(input, button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      countLine(line.sku, Number(input.value), button);
    });
    li.append(described(line), why, form);
    return li;
  }

  async function countLine(sku, counted, button) {
    button.disabled = true;
    try {
      const done = await api("POST", `/nodes/${node}/count`, { sku, counted });
      say(done.message || `Counted ${counted} × ${sku}`);
    } catch (error) {
      say(error.message, true);
      button.disabled = false;
      return;
    }
    if (item && item.sku === sku) await refreshOnHand().catch(() => {});
    await Promise.all([refreshCounts(), refreshToday()]).catch((error) => say(error.message, true));
  }

  // Close out the day (a node's own agent): count what is left, settle, see the day's report.
  async function startCloseOut() {
    let lines;
    try {
      lines = await api("GET", `/nodes/${node}/closeout`);
    } catch (error) {
      say(error.message, true);
      return;
    }
    const list = $("closeout-lines");
    list.replaceChildren(...lines.map((line) => {
      const li = document.createElement("li");
      li.dataset.sku = line.sku;
      const form = Object.assign(document.createElement("div"), { className: "count-entry" });
      form.append(countInput(line.sku));
      li.append(described(line), form);
      return li;
    }));
    if (!lines.length) list.append(Object.assign(document.createElement("li"), { textContent: "Nothing held here." }));
    $("closeout-start").hidden = true;
    $("day-report").hidden = true;
    $("closeout-form").hidden = false;
  }

  function endCloseOut() {
    $("closeout-form").hidden = true;
    $("closeout-start").hidden = false;
  }

  async function closeOut(event) {
    event.preventDefault();
    const counts = [...$("closeout-lines").querySelectorAll("input")].map((input) => ({ sku: input.dataset.sku, quantity: Number(input.value) }));
    const [hours, minutes] = ($("closeout-since").value || "00:00").split(":").map(Number);
    const since = new Date();
    since.setHours(hours, minutes, 0, 0);
    const submit = $("closeout-form").querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const day = await api("POST", `/nodes/${node}/closeout`, { counts, since: since.toISOString() });
      showReport(day);
      endCloseOut();
      say(`Day closed at ${node}`);
    } catch (error) {
      say(error.message, true);
    } finally {
      submit.disabled = false;
    }
    await refreshAll();
  }

  function showReport(day) {
    const listed = (lines) => lines.map((line) => `${line.quantity} × ${line.sku}`).join(", ") || "none";
    $("report-sold").textContent = `${day.units_sold} (${listed(day.sold)})`;
    $("report-takings").textContent = day.takings;
    $("report-variance").textContent = `${day.variance > 0 ? "+" : ""}${day.variance} units (${day.variance_value})`;
    $("report-overdrafts").textContent = listed(day.overdrafts);
    $("report-synced").textContent = day.synced ? "Settled" : "Not reached: settles at the next sync";
    $("report-counts").replaceChildren(...day.counts.map((c) => {
      const row = document.createElement("tr");
      const cells = [c.sku, c.expected, c.counted, `${c.variance > 0 ? "+" : ""}${c.variance}`];
      cells.forEach((value, i) => row.append(Object.assign(document.createElement("td"), { textContent: String(value), className: i ? "num" : "" })));
      return row;
    }));
    $("day-report").hidden = false;
  }

  async function scanWithCamera() {
    const video = $("camera");
    try {
      const detector = new window.BarcodeDetector();
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };
      const tick = async () => {
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) { stop(); $("code").value = codes[0].rawValue; await lookUp(codes[0].rawValue); }
        else if (!video.hidden) requestAnimationFrame(tick);
      };
      tick();
    } catch (error) {
      video.hidden = true;
      say(`Camera unavailable (${error.message}): type the code instead.`, true);
    }
  }

  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp($("code").value.trim());
  });
  $("camera-button").addEventListener("click", scanWithCamera);
  $("override").addEventListener("submit", sellAnyway);
  $("count-confirm").addEventListener("submit", (event) => {
    event.preventDefault();
    act("count", true);
  });
  $("count-cancel").addEventListener("click", () => { cancelCount(); say("Not counted."); });
  $("override-cancel").addEventListener("click", () => { cancelOverride(); say("Not sold."); });
  for (const button of document.querySelectorAll("[data-action]")) {
    button.addEventListener("click", () => act(button.dataset.action));
  }
  if (has("closeout")) {
    $("closeout-start").addEventListener("click", startCloseOut);
    $("closeout-cancel").addEventListener("click", endCloseOut);
    $("closeout-form").addEventListener("submit", closeOut);
  }
  // An admin signed in to the dashboard: the page came with a session for them.
  if (root.dataset.session && !sessionStorage.getItem(key)) sessionStorage.setItem(key, root.dataset.session);
  const signedIn = Boolean(sessionStorage.getItem(key));
  show(signedIn);
  if (signedIn) refreshAll();
})();
