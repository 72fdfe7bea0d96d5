"use strict";
// The dashboard: two Server-Sent Event streams read with fetch (so the API key travels in a header, and a dropped
// stream resumes with Last-Event-ID): /v1/overview/events for queues, workers, batches and jobs, and
// /v1/jobs/{id}/events for the job shown in detail.

const $ = (id) => document.getElementById(id);
const keyStore = "turbo.apiKey";

function apiKey() { return sessionStorage.getItem(keyStore) || ""; }

function headers(extra) {
  const h = Object.assign({}, extra);
  if (apiKey()) h["Authorization"] = "Bearer " + apiKey();
  return h;
}

// The address may carry a key (#key=...: kept for this tab only, then dropped from the address bar) and a job to
// open (#job=...: a link to one job's detail).
const linkedJob = (function readAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has("key")) {
    sessionStorage.setItem(keyStore, params.get("key"));
    params.delete("key");
    history.replaceState(null, "", location.pathname + location.search + (params.toString() ? "#" + params : ""));
  }
  return params.get("job");
})();

function setConnection(state, text) {
  const pill = $("connection");
  pill.dataset.state = state;
  pill.textContent = text;
}

// Reads an event stream until closed; reconnects after errors, resuming after the last event id seen.
function openStream(url, onEvent, onProblem) {
  let lastEventId = null;
  let closed = false;
  const controller = { close() { closed = true; if (this.abort) this.abort.abort(); } };
  async function connect(delay) {
    while (!closed) {
      controller.abort = new AbortController();
      try {
        const extra = { "Accept": "text/event-stream" };
        if (lastEventId) extra["Last-Event-ID"] = lastEventId;
        const response = await fetch(url, { headers: headers(extra), signal: controller.abort.signal, cache: "no-store" });
        if (!response.ok) {
          const problem = await response.json().catch(() => ({ title: response.statusText }));
          onProblem(response.status, problem);
          if (response.status === 401 || response.status === 404 || response.status === 400) return;
          throw new Error(problem.title);
        }
        delay = 500;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id = null, type = "message", data = "";
            for (const line of frame.split("\n")) {
              if (line.startsWith("id: ")) id = line.slice(4);
              else if (line.startsWith("event: ")) type = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (id) lastEventId = id;
            if (data) {
              const stop = onEvent(type, JSON.parse(data));
              if (stop) { closed = true; controller.abort.abort(); return; }
            }
          }
        }
        if (closed) return;
      } catch (error) {
        if (closed) return;
        onProblem(0, { title: String(error.message || error) });
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10000);
    }
  }
  connect(500);
  return controller;
}

const stageWeights = {
  loading_model: [0, 0.05], encoding_text: [0.05, 0.05], encoding_image: [0.05, 0.05],
  denoising: [0.10, 0.60], decoding: [0.70, 0.20], writing: [0.90, 0.05], uploading: [0.95, 0.05],
};
const finished = new Set(["succeeded", "failed", "canceled", "expired"]);

function fraction(status, progress) {
  if (finished.has(status)) return 1;
  if (!progress) return status === "queued" || status === "held" ? 0 : 0.02;
  const [start, span] = stageWeights[progress.stage] || [0.95, 0.05];
  return start + span * (progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0);
}

function stepText(progress) {
  return progress ? `${progress.stage.replace("_", " ")} ${progress.done}/${progress.total}` : "";
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function bar(value) {
  const outer = document.createElement("div");
  outer.className = "bar";
  const inner = document.createElement("div");
  inner.style.width = Math.round(value * 100) + "%";
  outer.appendChild(inner);
  return outer;
}

function seconds(value) { return value < 60 ? value.toFixed(0) + " s" : (value / 60).toFixed(1) + " min"; }

function fill(tableId, items, render, empty) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow();
    const td = cell(row, empty, "empty");
    td.colSpan = $(tableId).tHead.rows[0].cells.length;
  }
  for (const item of items) render(body.insertRow(), item);
}

// With quotas in GPU-seconds the jobs' estimated GPU time is what admission counts, so it is shown beside the count.
function inQuotaUnit(jobs, amount, pool) {
  return pool.quotaUnit === "gpu-seconds" ? `${jobs} (${amount.toFixed(1)} GPU-s)` : jobs;
}

const svgNs = "http://www.w3.org/2000/svg";

// One of a pool's last-hour series ("depth": the most jobs queued at once, "finished": jobs that succeeded) as a small
// line chart: a point a minute on a fixed 60-minute axis ending now, scaled to the hour's peak, which is written above
// it with the latest minute's value. data-last, data-peak and data-minutes say the same to tools and tests.
function chart(series, history, at) {
  const width = 160, height = 32, top = 11;
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.dataset.series = series;
  const end = new Date(at).getTime() + 60000;
  const values = history.map((minute) => minute[series]);
  const peak = Math.max(0, ...values);
  const points = history.map((minute) => {
    const x = Math.max(0, width - ((end - new Date(minute.at).getTime()) / 3600000) * width);
    const y = height - 1 - (minute[series] / Math.max(1, peak)) * (height - top);
    return [x, y];
  });
  if (points.length === 1) points.unshift([Math.max(0, points[0][0] - 3), points[0][1]]);
  const line = document.createElementNS(svgNs, "polyline");
  line.setAttribute("points", points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
  svg.appendChild(line);
  const last = values.length ? values[values.length - 1] : 0;
  const label = document.createElementNS(svgNs, "text");
  label.setAttribute("x", "0");
  label.setAttribute("y", "8");
  label.textContent = `now ${last}, peak ${peak}`;
  svg.appendChild(label);
  const title = document.createElementNS(svgNs, "title");
  title.textContent = series === "depth" ? "jobs queued, the most in each minute of the last hour" : "jobs finished in each minute of the last hour";
  svg.appendChild(title);
  svg.dataset.last = String(last);
  svg.dataset.peak = String(peak);
  svg.dataset.minutes = String(history.length);
  return svg;
}

function clock(at) { return new Date(at).toLocaleTimeString(); }

function fromNow(at) { return seconds(Math.max(0, (new Date(at) - Date.now()) / 1000)); }

// A waiting job's place, expected start and finish and why it waits; a running job's expected finish.
function estimateText(job) {
  const e = job.estimate;
  if (!e) return "";
  if (!e.cause) return e.finishAt ? `done ~${clock(e.finishAt)} (in ${fromNow(e.finishAt)})` : "";
  const when = e.startAt ? `starts ~${clock(e.startAt)} (in ${fromNow(e.startAt)}), done ~${clock(e.finishAt)}` : "no start expected yet";
  return `${e.position ? "#" + e.position + " · " : ""}${when} · ${job.waitingReason}`;
}

// Posters (the first frame of a succeeded job's video, made by the gateway) are fetched with the key once per job and
// kept as object URLs for the latest 200 jobs; a job without one is not asked again.
const posters = new Map();
function posterImage(id) {
  const img = document.createElement("img");
  img.className = "poster";
  img.alt = "";
  img.dataset.job = id;
  if (posters.get(id)) img.src = posters.get(id);
  else if (!posters.has(id)) loadPoster(id);
  return img;
}

async function loadPoster(id) {
  posters.set(id, null);
  if (posters.size > 200) {
    const [oldest, url] = posters.entries().next().value;
    if (url) URL.revokeObjectURL(url);
    posters.delete(oldest);
  }
  const response = await fetch(`/v1/jobs/${encodeURIComponent(id)}/poster`, { headers: headers() }).catch(() => null);
  if (!response || !response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  posters.set(id, url);
  for (const img of document.querySelectorAll(`img.poster[data-job="${CSS.escape(id)}"]`)) img.src = url;
}

function renderOverview(overview) {
  fill("pools", overview.pools, (row, pool) => {
    cell(row, pool.pool); cell(row, inQuotaUnit(pool.depth, pool.queuedInUnit, pool)); cell(row, inQuotaUnit(pool.held, pool.heldInUnit, pool));
    cell(row, seconds(pool.oldestQueuedAgeSeconds)); cell(row, pool.leased);
    row.insertCell().appendChild(chart("depth", pool.history || [], overview.at));
    row.insertCell().appendChild(chart("finished", pool.history || [], overview.at));
  }, "No pools.");
  fill("workers", overview.workers, (row, worker) => {
    cell(row, worker.id); cell(row, worker.gpu); cell(row, worker.encoder || "");
    cell(row, worker.state + (worker.health ? " (" + worker.health + ")" : ""), "status " + worker.state);
    cell(row, worker.loadedModels.join(", ") || "none");
    cell(row, worker.currentJob ? `${worker.currentJob.id} ${stepText(worker.currentJob.progress)}` : "");
  }, "No workers have reported.");
  const batches = $("batches");
  batches.replaceChildren();
  if (overview.batches.length === 0) {
    const p = document.createElement("p"); p.className = "empty"; p.textContent = "No batches yet."; batches.appendChild(p);
  }
  for (const batch of overview.batches) {
    const div = document.createElement("div");
    div.className = "batch";
    div.dataset.batch = batch.id;
    const label = document.createElement("div");
    const counts = Object.entries(batch.counts).map(([status, n]) => `${n} ${status}`).join(", ");
    label.textContent = `${batch.id}: ${batch.finished} of ${batch.total} finished (${counts})`;
    div.appendChild(label);
    div.appendChild(bar(batch.total ? batch.finished / batch.total : 0));
    batches.appendChild(div);
  }
  fill("jobs", overview.jobs, (row, job) => {
    row.dataset.job = job.id;
    const poster = row.insertCell();
    if (job.status === "succeeded" && job.artifact) poster.appendChild(posterImage(job.id));
    cell(row, job.id);
    cell(row, job.prompt, "prompt").title = job.prompt;
    cell(row, job.model);
    cell(row, job.status, "status " + job.status);
    const td = row.insertCell();
    td.appendChild(bar(fraction(job.status, job.progress)));
    cell(row, estimateText(job), "estimate");
    cell(row, new Date(job.timings.submittedAt).toLocaleTimeString());
    row.addEventListener("click", () => showJob(job.id));
    if (job.id === $("detail-id").textContent && !$("detail").hidden) $("detail-estimate").textContent = estimateText(job);
  }, "No jobs match.");
  nextJobsCursor = overview.jobsNextCursor;
  $("jobs-page").textContent = `page ${jobPages.length}`;
  $("jobs-newer").disabled = jobPages.length === 1;
  $("jobs-older").disabled = !nextJobsCursor;
}

// The job list pages through the listing's cursors (a 100,000-job batch costs one page per view): jobPages holds the
// cursor of each page shown so far, the first being null.
let jobPages = [null];
let nextJobsCursor = null;

let overviewStream = null;
function watchOverview() {
  if (overviewStream) overviewStream.close();
  const query = new URLSearchParams();
  if ($("filter-status").value) query.set("status", $("filter-status").value);
  if ($("filter-tenant").value.trim()) query.set("tenant", $("filter-tenant").value.trim());
  if ($("filter-batch").value.trim()) query.set("batchId", $("filter-batch").value.trim());
  if (jobPages[jobPages.length - 1]) query.set("cursor", jobPages[jobPages.length - 1]);
  // A message the replaced stream still delivers belongs to the old listing: its cursor must not page the new one.
  const stream = overviewStream = openStream("/v1/overview/events?" + query, (type, data) => {
    if (type === "overview" && stream === overviewStream) { setConnection("live", "live"); renderOverview(data); }
  }, (status, problem) => setConnection("error", status === 401 ? "needs an API key" : (problem.detail || problem.title || "disconnected")));
}

// Shows another page or listing. Until its first answer the pager is off: a click meanwhile would page from the
// cursor of what is still on screen (the old filter's listing, or the page before).
function showJobsPage(pages) {
  jobPages = pages;
  nextJobsCursor = null;
  $("jobs-older").disabled = true;
  $("jobs-newer").disabled = true;
  $("jobs-page").textContent = `page ${jobPages.length}`;
  watchOverview();
}

let jobStream = null;
let videoUrl = null;
function showJob(id) {
  if (jobStream) jobStream.close();
  $("detail").hidden = false;
  $("detail-id").textContent = id;
  history.replaceState(null, "", location.pathname + location.search + "#job=" + encodeURIComponent(id));
  $("detail-error").textContent = "";
  $("detail-step").textContent = "";
  $("detail-estimate").textContent = "";
  const video = $("detail-video");
  video.hidden = true;
  video.removeAttribute("src");
  delete video.dataset.for;
  delete $("detail-stages").dataset.for;
  if (videoUrl) { URL.revokeObjectURL(videoUrl); videoUrl = null; }
  $("detail-novideo").hidden = false;
  jobStream = openStream(`/v1/jobs/${encodeURIComponent(id)}/events`, (type, data) => {
    if (type === "progress") {
      $("detail-bar").style.width = Math.round(fraction("running", data) * 100) + "%";
      $("detail-step").textContent = `${stepText(data)} (${data.elapsedSeconds.toFixed(1)} s)`;
    }
    if (type !== "state") return false;
    renderJob(data);
    return finished.has(data.status);
  }, (status, problem) => { $("detail-error").textContent = problem.detail || problem.title || "the job's event stream failed"; });
  $("detail").scrollIntoView({ behavior: "smooth" });
}

function renderJob(job) {
  const status = $("detail-status");
  status.textContent = job.status + (job.cancelRequested && !finished.has(job.status) ? " (cancel requested)" : "");
  status.className = "status " + job.status;
  if (finished.has(job.status)) $("detail-estimate").textContent = "";
  $("detail-bar").style.width = Math.round(fraction(job.status, job.progress) * 100) + "%";
  const params = $("detail-params");
  params.replaceChildren();
  const rows = [["prompt", job.prompt], ["tenant", job.tenant], ["batch", job.batchId || "none"], ["model", job.model],
    ["size", `${job.resolution} ${job.aspectRatio}, ${job.frames} frames`], ["steps", job.steps], ["seed", job.seed],
    ["priority", job.priority], ["pool", job.pool]];
  // A job answered from an identical finished render names it, so its timings (no render) read right.
  if (job.reusedFrom) rows.push(["reused from", job.reusedFrom]);
  for (const [name, value] of rows) {
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value;
    params.append(dt, dd);
  }
  const t = job.timings;
  const span = (from, to) => from && to ? ((new Date(to) - new Date(from)) / 1000).toFixed(1) + " s" : "-";
  const timings = $("detail-timings");
  timings.replaceChildren();
  for (const [name, value] of [["submitted", new Date(t.submittedAt).toLocaleString()], ["queued", span(t.queuedAt, t.leasedAt)],
    ["starting", span(t.leasedAt, t.startedAt)], ["rendering", span(t.startedAt, t.uploadStartedAt || t.finishedAt)],
    ["uploading", span(t.uploadStartedAt, t.finishedAt)], ["total", span(t.submittedAt, t.finishedAt)]]) {
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value;
    timings.append(dt, dd);
  }
  fill("detail-attempts", job.attempts, (row, a) => {
    cell(row, a.number); cell(row, a.workerId); cell(row, a.outcome || "running"); cell(row, a.detail || "");
  }, "Not leased yet.");
  $("detail-error").textContent = job.failure ? `${job.failure.reason}: ${job.failure.message}` : "";
  $("detail-cancel").hidden = finished.has(job.status);
  $("detail-cancel").onclick = () => fetch(`/v1/jobs/${encodeURIComponent(job.id)}/cancel`, { method: "POST", headers: headers() });
  if (job.status === "succeeded" && job.artifact) {
    showVideo(job.artifact.videoUrl);
    showStages(job.artifact.sidecarUrl);
  }
}

// Seconds per engine stage come from the video's sidecar, written by the engine.
async function showStages(url) {
  const stages = $("detail-stages");
  if (stages.dataset.for === url) return;
  stages.dataset.for = url;
  const response = await fetch(url, { headers: headers() });
  const sidecar = response.ok ? await response.json() : {};
  stages.replaceChildren();
  const entries = Object.entries(sidecar.stageSeconds || {});
  if (sidecar.untrainedModel) entries.unshift(["model", "untrained (noise, not the prompt)"]);
  if (entries.length === 0) entries.push(["-", "not recorded by this engine"]);
  for (const [name, value] of entries) {
    const dt = document.createElement("dt"); dt.textContent = name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    const dd = document.createElement("dd"); dd.textContent = typeof value === "number" ? value.toFixed(2) + " s" : value;
    stages.append(dt, dd);
  }
}

async function showVideo(url) {
  const video = $("detail-video");
  if (video.dataset.for === url && !video.hidden) return;
  video.dataset.for = url;
  if (apiKey()) {
    // A <video> cannot send the key: fetch the file with it and play it from memory.
    const response = await fetch(url, { headers: headers() });
    if (!response.ok) { $("detail-error").textContent = "the video could not be loaded: " + response.status; return; }
    videoUrl = URL.createObjectURL(await response.blob());
    video.src = videoUrl;
  } else {
    video.src = url;
  }
  video.hidden = false;
  $("detail-novideo").hidden = true;
}

$("detail-close").addEventListener("click", () => { if (jobStream) jobStream.close(); $("detail").hidden = true; });
$("filters").addEventListener("submit", (e) => { e.preventDefault(); showJobsPage([null]); });
$("jobs-older").addEventListener("click", () => { if (nextJobsCursor) showJobsPage([...jobPages, nextJobsCursor]); });
$("jobs-newer").addEventListener("click", () => { if (jobPages.length > 1) showJobsPage(jobPages.slice(0, -1)); });
$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(keyStore, $("key").value.trim());
  $("key").value = "";
  watchOverview();
});
watchOverview();
if (linkedJob) showJob(linkedJob);
