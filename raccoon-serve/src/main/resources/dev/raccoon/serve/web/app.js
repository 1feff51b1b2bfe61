// Raccoon web page: classifies one review per line with explanations, and colours each token by its occlusion
// score (how much the predicted label's probability drops without it). ?reviews=... fills the box and runs at once.
"use strict";

const LABEL_NAMES = { positive: "긍정", negative: "부정", neutral: "중립", pos: "긍정", neg: "부정" };
// The server's limits, from /health; the defaults until it answers.
let limits = { maxTexts: 64, maxChars: 2000, maxExplainTexts: 16 };
// Tokens the model reads of a review, and which ones of a longer review ("head-tail" or "head"), from /health.
let maxLength = null;
let truncation = "head-tail";

const form = document.getElementById("form");
const box = document.getElementById("reviews");
const button = document.getElementById("analyze");
const statusLine = document.getElementById("status");
const results = document.getElementById("results");

function labelName(label) {
  const korean = LABEL_NAMES[String(label).toLowerCase()];
  return korean ? `${korean} (${label})` : label;
}

function setStatus(text, isError) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

async function classify(texts) {
  const response = await fetch("v1/sentiment", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ texts, explain: true }),
  });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body.results;
}

// omittedAfter: how many tokens come before the middle a long review was read without (-1 or undefined: none).
function renderTokens(tokens, omittedAfter) {
  const container = document.createElement("div");
  container.className = "tokens";
  const max = Math.max(1e-6, ...tokens.map(t => Math.abs(t.score)));
  for (const [i, t] of tokens.entries()) {
    if (i === omittedAfter) {
      const gap = document.createElement("span");
      gap.className = "gap";
      gap.textContent = "…";
      gap.title = "읽지 않은 가운데 부분";
      container.append(" ", gap);
    }
    const span = document.createElement("span");
    const continuation = t.token.startsWith("##") && t.token.length > 2;
    span.className = continuation ? "tok cont" : "tok";
    span.textContent = continuation ? t.token.slice(2) : t.token;
    const alpha = (Math.abs(t.score) / max) * 0.6;
    span.style.background = `rgba(var(${t.score >= 0 ? "--pos" : "--neg"}), ${alpha.toFixed(3)})`;
    span.title = `${t.token}: ${t.score >= 0 ? "+" : ""}${t.score.toFixed(4)}`;
    span.dataset.score = t.score;
    if (!continuation && container.childNodes.length) container.append(" ");
    container.append(span);
  }
  return container;
}

function renderResult(text, r) {
  const card = document.createElement("article");
  card.className = "result";
  card.dataset.label = r.label;
  card.dataset.probability = r.probability;
  const head = document.createElement("div");
  head.className = "head";
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = labelName(r.label);
  const bar = document.createElement("div");
  bar.className = "bar";
  const fill = document.createElement("div");
  fill.style.width = `${(100 * r.probability).toFixed(1)}%`;
  bar.append(fill);
  const pct = document.createElement("span");
  pct.className = "pct";
  pct.textContent = `${(100 * r.probability).toFixed(1)}%`;
  head.append(label, bar, pct);
  card.append(head, renderTokens(r.tokens || [], r.omitted_after));
  if (r.truncated) {
    // The tokens shown are the ones read: say that the rest of the review played no part.
    card.dataset.truncated = "true";
    const note = document.createElement("p");
    note.className = "note";
    const part = truncation === "head" ? "앞부분" : "앞부분과 끝부분";
    note.textContent = maxLength ? `긴 리뷰: ${part} ${maxLength}토큰만 읽고 판정했습니다.` : `긴 리뷰: ${part}만 읽고 판정했습니다.`;
    card.append(note);
  }
  card.title = text;
  return card;
}

function renderFailure(line, message) {
  const card = document.createElement("article");
  card.className = "result failed";
  card.dataset.line = line.number;
  card.dataset.error = message;
  card.textContent = `${line.number}번째 줄 ${line.text} — 오류: ${message}`;
  return card;
}

/** Results in line order; a chunk the server refuses is sent again line by line, so one bad line fails alone. */
async function classifyLines(lines) {
  const out = [];
  const perRequest = Math.max(1, Math.min(limits.maxTexts, limits.maxExplainTexts));
  for (let i = 0; i < lines.length; i += perRequest) {
    const chunk = lines.slice(i, i + perRequest);
    try {
      const answers = await classify(chunk.map(l => l.text));
      chunk.forEach((line, j) => out.push({ line, result: answers[j] }));
    } catch (e) {
      if (chunk.length === 1) out.push({ line: chunk[0], error: e.message.replace(/^texts\[0\]/, "the review") });
      else for (const line of chunk) out.push(...await classifyLines([line]));
    }
  }
  return out;
}

async function run() {
  const lines = box.value.split("\n").map((s, i) => ({ number: i + 1, text: s.trim() })).filter(l => l.text.length > 0);
  results.replaceChildren();
  if (lines.length === 0) {
    setStatus("리뷰를 입력하세요.", true);
    return;
  }
  button.disabled = true;
  document.body.dataset.state = "running";
  setStatus("분석 중…");
  await ready;
  let failures = 0;
  for (const r of await classifyLines(lines)) {
    if (r.error) {
      failures++;
      results.append(renderFailure(r.line, r.error));
    } else {
      results.append(renderResult(r.line.text, r.result));
    }
  }
  button.disabled = false;
  setStatus(failures ? `${failures}개 리뷰를 분석하지 못했습니다.` : `리뷰 ${lines.length}개 분석 완료`, failures > 0);
  document.body.dataset.state = "done";
}

form.addEventListener("submit", e => { e.preventDefault(); run(); });

const ready = fetch("health").then(r => r.json()).then(h => {
  if (h.limits) limits = h.limits;
  if (h.maxLength) maxLength = h.maxLength;
  if (h.truncation) truncation = h.truncation;
  document.getElementById("model").textContent = `모델: ${h.model} · 레이블: ${h.labels.join(", ")} · 장치: ${h.device}`;
}).catch(() => {});

const preset = new URLSearchParams(location.search).get("reviews");
if (preset) {
  box.value = preset;
  run();
}
