// Live player: plays the app's /vcp-live/<token> PCM stream with the Web Audio API as it arrives.
// Runs as a gr.HTML js_on_load; `element` is the component, `watch` re-runs on each new value.
// Figures for tests and the benchmark go to window.vcpLiveStats[token] (Date.now() milliseconds).
const LEAD_S = 0.04;  // scheduling margin for the first chunk and after an underrun

window.vcpLiveStats = window.vcpLiveStats || {};

function liveUrl(token) {
  const root = (window.gradio_config && window.gradio_config.root) || "";
  const base = root ? root.replace(/\/?$/, "/") : new URL(".", window.location.href).href;
  return new URL("vcp-live/" + encodeURIComponent(token), base).href;
}

// The page's language, chosen as playground/ui/i18n.py does: the switch's saved choice, else the browser's.
function liveLang() {
  let saved = null;
  try { saved = localStorage.getItem("vcp-lang"); } catch (e) {}
  return window.vcpLang || saved || ((navigator.language || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en");
}

const LIVE_ZH = [
  [/^Live$/, "实时"], [/^Connecting…$/, "正在连接…"], [/^Stop$/, "停止"], [/^Stopped\.$/, "已停止。"],
  [/^This browser cannot play live audio; the full take plays when ready\.$/, "此浏览器无法实时播放音频；完整结果就绪后会播放。"],
  [/^Waiting for the first audio…$/, "正在等待第一段音频…"],
  [/^▶ Playing as it arrives…$/, "▶ 边收边播…"],
  [/^Streamed ([\d.]+) s live · first sound ([\d.]+) s after the stream opened\. The full take is below\.$/,
   "已实时播放 $1 秒 · 流打开后 $2 秒出声。完整结果在下方。"],
  [/^Streamed ([\d.]+) s live\. The full take is below\.$/, "已实时播放 $1 秒。完整结果在下方。"],
  [/^No audio arrived live; the full take plays when ready\.$/, "没有收到实时音频；完整结果就绪后会播放。"],
  [/^Live playback stopped; the full take plays when ready\.$/, "实时播放已停止；完整结果就绪后会播放。"],
];

function tr(text) {
  if (liveLang() !== "zh-CN") return text;
  for (const [pattern, zh] of LIVE_ZH) if (pattern.test(text)) return text.replace(pattern, zh);
  return text;
}

function setStatus(box, text) {
  const status = box.querySelector(".vcp-live-status");
  if (status) status.textContent = tr(text);
}

function localizeBox(box) {
  box.querySelectorAll("strong, .vcp-live-status, .vcp-live-stop").forEach((el) => { el.textContent = tr(el.textContent); });
}

async function playLive(box) {
  const token = box.dataset.token;
  const rate = parseInt(box.dataset.rate, 10) || 24000;
  if (!token || box.dataset.started) return;
  box.dataset.started = "1";
  localizeBox(box);
  if (element.__vcpStop) element.__vcpStop();  // one live take per player
  const stats = (window.vcpLiveStats[token] = { requested: Date.now(), rate });
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) { setStatus(box, "This browser cannot play live audio; the full take plays when ready."); return; }
  const ctx = window.__vcpAudioCtx || (window.__vcpAudioCtx = new Ctx());
  try { await ctx.resume(); } catch (e) { /* resumes on the next click */ }
  const controller = new AbortController();
  const sources = [];
  let stopped = false;
  element.__vcpStop = () => {
    stopped = true;
    controller.abort();
    sources.forEach((s) => { try { s.stop(); } catch (e) {} });
    stats.stopped = Date.now();
  };
  const stopBtn = box.querySelector(".vcp-live-stop");
  const hideStop = () => { if (stopBtn) stopBtn.style.display = "none"; };  // nothing left to stop
  if (stopBtn) stopBtn.onclick = () => { element.__vcpStop(); setStatus(box, "Stopped."); hideStop(); };
  let next = 0, carry = null, seconds = 0;
  try {
    const resp = await fetch(liveUrl(token), { signal: controller.signal, cache: "no-store" });
    if (!resp.ok || !resp.body) throw new Error("HTTP " + resp.status);
    const reader = resp.body.getReader();
    setStatus(box, "Waiting for the first audio…");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!value || !value.length) continue;
      if (!stats.firstByte) stats.firstByte = Date.now();
      let bytes = value;
      if (carry) { const joined = new Uint8Array(carry.length + bytes.length); joined.set(carry); joined.set(bytes, carry.length); bytes = joined; carry = null; }
      const usable = bytes.length - (bytes.length % 2);
      if (usable < bytes.length) carry = bytes.slice(usable);
      if (!usable) continue;
      const view = new DataView(bytes.buffer, bytes.byteOffset, usable);
      const n = usable / 2;
      const buffer = ctx.createBuffer(1, n, rate);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < n; i++) channel[i] = view.getInt16(i * 2, true) / 32768;
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(ctx.destination);
      const now = ctx.currentTime;
      if (next < now + 0.005) { if (next) stats.underruns = (stats.underruns || 0) + 1; next = now + LEAD_S; }
      source.start(next);
      sources.push(source);
      if (!stats.firstSound) {
        stats.firstSound = Date.now() + (next - now + (ctx.outputLatency || ctx.baseLatency || 0)) * 1000;
        setStatus(box, "▶ Playing as it arrives…");
      }
      next += buffer.duration;
      seconds += buffer.duration;
    }
    stats.ended = Date.now();
    stats.seconds = seconds;
    const first = stats.firstSound && stats.requested ? ` · first sound ${((stats.firstSound - stats.requested) / 1000).toFixed(2)} s after the stream opened` : "";
    if (!stopped) setStatus(box, seconds ? `Streamed ${seconds.toFixed(1)} s live${first}. The full take is below.` : "No audio arrived live; the full take plays when ready.");
    // the stream has ended: Stop goes once what was scheduled has played
    setTimeout(hideStop, Math.max(0, (next - ctx.currentTime) * 1000) + 100);
  } catch (err) {
    stats.error = String(err);
    if (!stopped) setStatus(box, "Live playback stopped; the full take plays when ready.");
    hideStop();
  }
}

function startAll() {
  element.querySelectorAll(".vcp-live[data-token]").forEach((box) => playLive(box));
}

watch("value", startAll);
startAll();
