// The live local page: polls the read API every 2 s and redraws. Every value from the store is written with
// textContent, never as HTML: events and bad rows carry whatever visitors put in their URLs.
"use strict";

const REFRESH_MS = 2000;
const EVENT_COLUMNS_FIRST = ["received_at", "_table"];
const seen = new Set();
let firstLoad = true;

function text(id, value) {
  document.getElementById(id).textContent = value;
}

function number(value) {
  return Math.round(value).toLocaleString("en-US");
}

function ms(value) {
  if (value >= 60000) return (value / 60000).toFixed(1) + " min";
  if (value >= 1000) return (value / 1000).toFixed(1) + " s";
  return Math.round(value) + " ms";
}

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(path + " answered " + response.status);
  return response.json();
}

function svg(name, attributes) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function drawChart(minutes) {
  const chart = document.getElementById("chart");
  const width = 720, height = 200, left = 34, bottom = 18, top = 8;
  const max = Math.max(1, ...minutes.map((m) => m.rows));
  const slot = (width - left) / minutes.length;
  chart.replaceChildren();
  chart.appendChild(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
  chart.appendChild(svg("line", { class: "axis", x1: left, y1: top, x2: width, y2: top }));
  const maxLabel = svg("text", { x: left - 4, y: top + 8, "text-anchor": "end" });
  maxLabel.textContent = number(max);
  chart.appendChild(maxLabel);
  const zero = svg("text", { x: left - 4, y: height - bottom, "text-anchor": "end" });
  zero.textContent = "0";
  chart.appendChild(zero);
  minutes.forEach((minute, i) => {
    const h = (minute.rows / max) * (height - bottom - top);
    const bar = svg("rect", { class: "bar", x: left + i * slot + 1, y: height - bottom - h,
      width: Math.max(1, slot - 2), height: h });
    const title = svg("title", {});
    title.textContent = new Date(minute.minute).toLocaleTimeString() + ": " + minute.rows + " hits";
    bar.appendChild(title);
    chart.appendChild(bar);
    if (i % 10 === 0 || i === minutes.length - 1) {
      const anchor = i === 0 ? "start" : (i === minutes.length - 1 ? "end" : "middle");
      const label = svg("text", { x: left + i * slot + slot / 2, y: height - 4, "text-anchor": anchor });
      label.textContent = new Date(minute.minute).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      chart.appendChild(label);
    }
  });
}

function cell(row, value, className) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined ? "" : String(value);
  td.title = td.textContent;
  if (className) td.className = className;
  row.appendChild(td);
}

function drawTables(tables) {
  const body = document.querySelector("#tables tbody");
  body.replaceChildren();
  for (const table of tables) {
    const row = document.createElement("tr");
    cell(row, table.name);
    cell(row, number(table.rows), "num");
    body.appendChild(row);
  }
}

function drawEvents(events) {
  const head = document.querySelector("#events thead tr");
  const body = document.querySelector("#events tbody");
  const columns = events.length === 0 ? [] : EVENT_COLUMNS_FIRST.concat(
    Object.keys(events[0]).filter((c) => !EVENT_COLUMNS_FIRST.includes(c)));
  head.replaceChildren();
  for (const column of columns) {
    const th = document.createElement("th");
    th.textContent = column;
    head.appendChild(th);
  }
  body.replaceChildren();
  for (const event of events) {
    const row = document.createElement("tr");
    row.dataset.messageId = event.message_id;
    if (!firstLoad && !seen.has(event.message_id)) row.className = "fresh";
    seen.add(event.message_id);
    for (const column of columns) cell(row, event[column]);
    body.appendChild(row);
  }
}

function drawBadRows(badRows) {
  const body = document.querySelector("#bad-rows tbody");
  body.replaceChildren();
  for (const bad of badRows) {
    const row = document.createElement("tr");
    cell(row, bad.received_at);
    cell(row, bad.reason);
    cell(row, bad.message_id);
    cell(row, bad.detail);
    cell(row, bad.payload);
    body.appendChild(row);
  }
}

function drawStats(stats) {
  text("count-received", number(stats.counters.received));
  text("count-stored", number(stats.counters.stored));
  text("count-ignored", number(stats.counters.ignored));
  text("count-bad", number(stats.counters.bad));
  text("count-bots", number(stats.counters.bots_tagged) + " / " + number(stats.counters.bots_dropped));
  const p = stats.lag.percentilesMs;
  text("lag", stats.lag.count === 0 ? "no rows yet"
    : [p.p50, p.p95, p.p99].map((v) => (v === undefined ? "–" : ms(v))).join(" / "));
  drawChart(stats.rowsPerMinute);
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const [stats, tables, events, badRows] = await Promise.all([
      getJson("/api/stats"), getJson("/api/tables"), getJson("/api/events?limit=25"), getJson("/api/bad-rows?limit=25")]);
    drawStats(stats);
    drawTables(tables);
    drawEvents(events);
    drawBadRows(badRows);
    firstLoad = false;
    status.className = "status live";
    status.textContent = "live · updated " + new Date().toLocaleTimeString();
  } catch (error) {
    status.className = "status down";
    status.textContent = "cannot reach the service (" + error.message + "), retrying";
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

document.getElementById("example").textContent =
  "curl -o /dev/null '" + location.origin + "/pixel.png?user_id=u1&type=view'";
refresh();
