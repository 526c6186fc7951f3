// dorsi coach page: a view of the live session state pushed over a WebSocket.
// No analysis here: every number comes from the host's live pipeline.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const coach = window.dorsiCoach = {
    socket: null, last: null, rendered: 0, reconnects: 0, lastHeard: 0,
    sound: false, beeps: [], spoken: [],
  };
  const STALE_MS = 4000;      // no message (the server sends a heartbeat each second): reconnect
  let retry = 0;
  let pending = null;
  let frameQueued = false;
  let prev = {met: false, heel: false, reportShown: false};
  let heard = {exercise: null, phase: null, reps: 0, met: false, heel: false, roll: false};  // what was last said

  // ---- connection -------------------------------------------------------------------------
  function wsUrl() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const token = new URLSearchParams(location.search).get("token");
    return `${proto}//${location.host}/ws` + (token ? `?token=${encodeURIComponent(token)}` : "");
  }

  function setLink(state) {
    const el = $("link");
    el.dataset.state = state;
    document.body.dataset.link = state;
    el.textContent = {connecting: "◌ connecting…", live: "● live", reconnecting: "↻ reconnecting…",
                      offline: "✕ offline"}[state] || state;
  }

  function connect() {
    setLink(coach.reconnects ? "reconnecting" : "connecting");
    let ws;
    try { ws = new WebSocket(wsUrl()); } catch (e) { scheduleReconnect(); return; }
    coach.socket = ws;
    ws.onopen = () => { retry = 0; coach.lastHeard = Date.now(); setLink("live"); };
    ws.onmessage = (ev) => {
      coach.lastHeard = Date.now();
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && msg.type === "state") receive(msg);
    };
    ws.onclose = () => drop(ws);
    ws.onerror = () => drop(ws);
  }

  function drop(ws) {  // give up this socket now (a dead link may take long to finish closing) and retry
    if (coach.socket !== ws) return;
    coach.socket = null;
    setLink("offline");
    try { ws.close(); } catch (e) { /* it is going away anyway */ }
    scheduleReconnect();
  }

  function scheduleReconnect() {
    coach.reconnects += 1;
    const delay = Math.min(3000, 200 * 2 ** retry);
    retry += 1;
    setTimeout(connect, delay);
  }

  setInterval(() => {  // a socket that went silent (sleeping phone, dead Wi-Fi) is closed and replaced
    const ws = coach.socket;
    if (ws && ws.readyState === WebSocket.OPEN && Date.now() - coach.lastHeard > STALE_MS) drop(ws);
  }, 1000);

  function send(obj) {
    const ws = coach.socket;
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }

  function command(name) {
    unlockAudio();
    if (!send({type: "command", name})) flash("Not connected: the command was not sent.");
  }

  // ---- rendering --------------------------------------------------------------------------
  function receive(msg) {
    const fresh = !coach.last || msg.seq !== coach.last.seq;
    coach.last = msg;
    if (!fresh) return;  // a heartbeat repeating what is on screen
    pending = msg;
    if (!frameQueued) {
      frameQueued = true;
      requestAnimationFrame(frame);
    }
  }

  function frame() {
    frameQueued = false;
    const msg = pending;
    pending = null;
    if (!msg) return;
    render(msg);
    coach.rendered += 1;
    if (msg.device_wall_ms !== null && msg.device_wall_ms !== undefined) {
      send({type: "rendered", seq: msg.seq, device_wall_ms: msg.device_wall_ms, sent_wall_ms: msg.sent_wall_ms,
            render_wall_ms: Date.now()});
    }
  }

  const LOW_BATTERY = 15;
  const SVG = "http://www.w3.org/2000/svg";
  function icon(name, extra = "") {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", `icon ${extra}`.trim());
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(SVG, "use");
    use.setAttribute("href", `#${name}`);
    svg.append(use);
    return svg;
  }

  const fmt = (v, d = 0) => (v === null || v === undefined) ? "--" : v.toFixed(d);
  const deg = (v) => (v === null || v === undefined) ? "--" : `${v.toFixed(0)}°`;

  const PHASES = {
    connecting: "◌ Connecting to the sensor", calibrating: "◎ Calibrating", ready: "◷ Get ready",
    exercise: "▶ Exercise", paused: "‖ Paused", finished: "✔ Finished",
  };

  function render(msg) {
    const s = msg.state;
    document.body.dataset.phase = s.phase;
    $("phase").textContent = PHASES[s.phase] || s.phase;
    $("progress").textContent = s.exercise_count ? `${Math.min(s.exercise_index + 1, s.exercise_count)} / ${s.exercise_count}` : "–";
    const title = s.phase === "finished" ? "Routine finished" :
      s.phase === "ready" ? `Next: ${s.title}` : (s.title || (s.phase === "calibrating" ? "Calibrating" : "dorsi coach"));
    setText("title", title);
    document.title = `${title} · dorsi coach`;
    renderGauge(s);
    renderCounters(s);
    renderAlerts(s);
    renderWearing(s);
    renderPain(s);
    renderSensors(s);
    setText("message", s.message || "");
    setText("event", s.last_event || "");
    renderCues(s.cues || []);
    const paused = s.phase === "paused";
    $("btn-pause").querySelector("use").setAttribute("href", paused ? "#i-play" : "#i-pause");
    $("btn-pause").querySelector(".text").textContent = paused ? "Resume" : "Pause";
    for (const id of ["btn-pause", "btn-repeat", "btn-next", "btn-pain"]) $(id).disabled = s.phase === "finished";
    const t = Math.floor(s.session_elapsed_s || 0);
    setText("session-time", `${String(Math.floor(t / 60)).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`);
    renderReport(s, msg.report || {});
    speakChanges(s);
  }

  // ---- spoken cues: the user lunging 2 m from the screen hears the count and the alerts -------
  function speakChanges(s) {
    const started = s.phase === "exercise" && (s.exercise !== heard.exercise || heard.phase === "ready");
    if (started) {
      say(s.title);
    } else if (s.phase === "exercise" && s.reps > heard.reps) {  // only the newest count: one said late is no help
      const target = s.reps_target;
      say(target && s.reps === target ? `${s.reps}. Target reached.` : String(s.reps), {replace: true});
    }
    if (s.phase === "exercise") { heard.exercise = s.exercise; heard.reps = s.reps; }
    if (s.hold_met_now && !heard.met) say("Target met.");
    heard.met = !!s.hold_met_now;
    if (s.heel_lift && !heard.heel) say("Heel down.", {replace: true});
    heard.heel = !!s.heel_lift;
    if (s.roll_in && !heard.roll) say("Knee out, over the toes.");
    heard.roll = !!s.roll_in;
    if (s.phase === "finished" && heard.phase !== null && heard.phase !== "finished") say("Routine finished. Well done.");
    heard.phase = s.phase;
  }

  function say(text, {replace = false} = {}) {
    coach.spoken.push({text, at: Date.now()});
    const synth = window.speechSynthesis;
    if (!synth || !coach.sound || typeof SpeechSynthesisUtterance === "undefined") return;
    if (replace) synth.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.rate = 1.1;
    synth.speak(u);
  }

  function setText(id, text) {
    const el = $(id);
    if (el.textContent !== text) el.textContent = text;
  }

  function renderCues(cues) {
    const ul = $("cues");
    const key = cues.join("\n");
    if (ul.dataset.key === key) return;
    ul.dataset.key = key;
    ul.replaceChildren(...cues.map((c) => { const li = document.createElement("li"); li.textContent = c; return li; }));
  }

  // gauge: a half dial, -10 deg on the left to `hi` on the right
  const CX = 110, CY = 112, R = 90, LO = -10;
  let gaugeHi = 0;
  const pt = (v, r) => {
    const f = Math.min(Math.max((v - LO) / (gaugeHi - LO), 0), 1);
    const a = Math.PI * (1 - f);
    return [CX + r * Math.cos(a), CY - r * Math.sin(a)];
  };
  const arc = (v0, v1) => {
    const [x0, y0] = pt(v0, R), [x1, y1] = pt(v1, R);
    return `M ${x0.toFixed(1)} ${y0.toFixed(1)} A ${R} ${R} 0 0 1 ${x1.toFixed(1)} ${y1.toFixed(1)}`;
  };

  function scale(hi) {
    if (hi === gaugeHi) return;
    gaugeHi = hi;
    $("gauge-track").setAttribute("d", arc(LO, hi));
    const g = $("gauge-ticks");
        g.replaceChildren();
    for (let v = LO; v <= hi; v += 10) {
      const [x0, y0] = pt(v, R - 12), [x1, y1] = pt(v, R - 20), [xt, yt] = pt(v, R - 29);
      const line = document.createElementNS(SVG, "line");
      line.setAttribute("x1", x0); line.setAttribute("y1", y0); line.setAttribute("x2", x1); line.setAttribute("y2", y1);
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", xt); text.setAttribute("y", yt + 3); text.setAttribute("text-anchor", "middle");
      text.textContent = String(v);
      g.append(line, text);
    }
  }

  function placeMark(id, v) {
    const g = $(id);
    if (v === null || v === undefined) { g.setAttribute("visibility", "hidden"); return; }
    const [x0, y0] = pt(v, R - 10), [x1, y1] = pt(v, R + 10), [xt, yt] = pt(v, R + 17);
    const line = $(`${id}-line`), text = $(`${id}-text`);
    line.setAttribute("x1", x0); line.setAttribute("y1", y0); line.setAttribute("x2", x1); line.setAttribute("y2", y1);
    text.setAttribute("x", xt); text.setAttribute("y", yt);
    g.setAttribute("visibility", "visible");
  }

  function renderGauge(s) {
    const top = Math.max(50, s.best_deg || 0, s.angle_deg || 0);
    scale(Math.min(90, Math.ceil((top + 5) / 10) * 10));
    const v = s.angle_deg;
    const needle = $("needle");
    if (v === null || v === undefined) {
      needle.setAttribute("visibility", "hidden");
      $("gauge-fill").setAttribute("d", "");
    } else {
      const [x, y] = pt(v, R);
      needle.setAttribute("cx", x.toFixed(1)); needle.setAttribute("cy", y.toFixed(1));
      needle.setAttribute("visibility", "visible");
      $("gauge-fill").setAttribute("d", v > LO ? arc(LO, v) : "");
    }
    setText("angle-text", deg(v));
    placeMark("mark-baseline", s.baseline_deg);
    placeMark("mark-best", s.best_deg);
    placeMark("mark-pain", s.pain_angle_deg);
    const hurt = s.pain_angle_deg !== null && s.pain_angle_deg !== undefined;
    $("pain-legend").hidden = !hurt;
    if (hurt) setText("pain-angle", deg(s.pain_angle_deg));
    setText("baseline", deg(s.baseline_deg));
    setText("best", deg(s.best_deg));
  }

  function renderCounters(s) {
    const active = ["exercise", "paused", "finished"].includes(s.phase) && s.exercise;
    const showReps = active && s.reps_target !== null && s.reps_target !== undefined;
    $("reps-card").hidden = !showReps;
    if (showReps) {
      setText("reps", String(s.reps));
      setText("reps-target", String(s.reps_target));
      const done = s.reps >= s.reps_target;
      $("reps-card").classList.toggle("done", done);
      $("reps-done").hidden = !done;
    }
    // ankle circles with the foot sensor: so many each way, and which way to go now
    const ways = showReps && s.circles_outward !== null && s.circles_outward !== undefined;
    $("reps-ways").hidden = !ways;
    if (ways) {
      const t = s.circles_target;
      const part = (name, n) => `${name} ${n}` + (t ? ` / ${t}` + (n >= t ? " ✔" : "") : "");
      let text = `${part("outward", s.circles_outward)} · ${part("inward", s.circles_inward)}`;
      if (t && s.circles_outward >= t && s.circles_inward < t) text += " → now circle inward";
      else if (t && s.circles_inward >= t && s.circles_outward < t) text += " → now circle outward";
      setText("reps-ways", text);
    }
    const showHold = active && !!s.hold_target_s;
    $("hold-card").hidden = !showHold;
    let met = false;
    if (showHold) {
      const el = s.hold_elapsed_s || 0;
      met = !!s.hold_met_now;
      setText("hold", el.toFixed(1));
      setText("hold-target", fmt(s.hold_target_s, s.hold_target_s % 1 ? 1 : 0));
      $("hold-fill").style.width = `${Math.min(100, 100 * el / s.hold_target_s).toFixed(1)}%`;
      $("holdbar").setAttribute("aria-valuenow", el.toFixed(1));
      $("hold-card").classList.toggle("met", met);
      $("hold-met").hidden = !met;
      setText("holds", s.holds_target ? `holds: ${s.holds_done} / ${s.holds_target} done, ${s.holds_met} met the target` : "");
    }
    if (met && !prev.met) beep("met");
    prev.met = met;
    $("time-card").hidden = !(active && s.kind === "duration");
    if (s.kind === "duration") setText("elapsed", fmt(s.exercise_elapsed_s));
  }

  function renderAlerts(s) {
    $("alert-heel").hidden = !s.heel_lift;
    $("alert-roll").hidden = !s.roll_in;
    const turned = s.strap_turned_deg;
    $("alert-strap").hidden = turned === null || turned === undefined;
    if (!$("alert-strap").hidden) $("strap-deg").textContent = Math.round(turned);
    const moved = s.stance_moved_deg;
    $("alert-stance").hidden = moved === null || moved === undefined;
    if (!$("alert-stance").hidden) {
      $("stance-deg").textContent = Math.abs(moved).toFixed(1);
      $("stance-way").textContent = moved > 0 ? "back" : "forward";  // + knee forward: weight back
    }
    if (s.heel_lift && !prev.heel) beep("heel");
    prev.heel = !!s.heel_lift;
  }

  // after "it hurts": what to do, and the 1-10 scale until the report is rated
  function renderPain(s) {
    $("pain").hidden = !s.pain_note;
    setText("pain-note", s.pain_note || "");
    $("pain-rate").hidden = !(s.pain_note && s.pain_unrated);
  }

  // how the sensors are read where that is not as set up (swapped, on the calf, no foot)
  function renderWearing(s) {
    const box = $("wearing");
    const lines = s.phase === "finished" ? [] : (s.wearing || []);
    box.hidden = lines.length === 0;
    const key = lines.join("|");
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.replaceChildren(...lines.map((line) => {
      const div = document.createElement("div");
      div.className = "notice";
      div.textContent = `ℹ ${line}`;
      return div;
    }));
  }

  function renderSensors(s) {
    const box = $("sensors");
    const parts = (s.sensors || []).map((x) => {
      const span = document.createElement("span");
      const known = x.battery_percent !== null && x.battery_percent !== undefined;
      const low = known && x.battery_percent <= LOW_BATTERY;
      span.className = "pill " + (x.connected ? (low ? "low" : "ok") : "bad");
      span.append(`${x.connected ? "●" : "○"} ${x.role} ${x.connected ? "connected" : "disconnected"}`);
      if (known) {
        const empty = !x.connected && x.battery_percent === 0;  // asleep to spare the cell
        span.append(" · ", icon(low ? "i-battery-low" : "i-battery", "wide"),
                    empty ? " battery empty: charge it, then press its button" : ` ${x.battery_percent}%${low ? " low" : ""}`);
      }
      if (x.lost_samples) span.append(` · ${x.lost_samples} lost`);
      return span;
    });
    const key = parts.map((p) => p.className + p.innerHTML).join("|");
    if (box.dataset.key !== key) { box.dataset.key = key; box.replaceChildren(...parts); }
  }

  function renderReport(s, report) {
    const card = $("report-card");
    card.hidden = s.phase !== "finished";
    if (card.hidden) return;
    renderDone(s.completed || []);
    const status = report.status || "pending";
    card.dataset.status = status;
    const text = {pending: "⏳ Saving the recording…", building: "⏳ Building your session report…",
                  ready: "✔ Your session report is ready.",
                  failed: `✕ The report could not be built: ${report.error || "unknown error"}`}[status];
    setText("report-status", text || status);
    const ready = status === "ready";
    $("report-link").hidden = !ready;
    $("report-frame").hidden = !ready;
    if (ready && !prev.reportShown) {
      prev.reportShown = true;
      const token = new URLSearchParams(location.search).get("token");
      const url = "/report" + (token ? `?token=${encodeURIComponent(token)}` : "");
      $("report-link").href = url;
      $("report-frame").src = url;
    }
  }

  function renderDone(done) {
    const ul = $("done-list");
    const key = JSON.stringify(done);
    if (ul.dataset.key === key) return;
    ul.dataset.key = key;
    ul.replaceChildren(...done.map((d) => {
      const li = document.createElement("li");
      const parts = [];
      if (d.reps_target) parts.push(`${d.reps} / ${d.reps_target} reps`);
      if (d.holds_target) parts.push(`${d.holds_met} / ${d.holds_target} holds met`);
      if (d.heel_lifts) parts.push(`${d.heel_lifts} heel lift${d.heel_lifts > 1 ? "s" : ""}`);
      if (d.pain && d.pain.length) {
        const rated = d.pain.filter((x) => x !== null);
        parts.push(`✚ pain ${rated.length ? `${Math.max(...rated)}/10` : "reported"}`);
      }
      const full = (!d.reps_target || d.reps >= d.reps_target) && (!d.holds_target || d.holds_met >= d.holds_target);
      const mark = document.createElement("span");
      mark.className = full ? "ok" : "short";
      mark.textContent = full ? "✔ " : "◑ ";
      li.append(mark, `${d.exercise.replaceAll("_", " ")}: ${parts.join(", ") || "done"}`);
      return li;
    }));
  }

  function flash(text) { setText("event", text); }

  // ---- sound (Web Audio; browsers allow it after the first tap or key) --------------------
  let audio = null;
  function unlockAudio() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = new Ctx();
    }
    if (audio.state === "suspended") audio.resume();
    setSound(true);
  }

  function setSound(on) {
    coach.sound = on;
    $("sound").querySelector("use").setAttribute("href", on ? "#i-sound" : "#i-mute");
    $("sound").querySelector(".text").textContent = on ? "sound on" : "sound off";
    $("sound").setAttribute("aria-pressed", String(on));
  }

  function tone(freq, start, dur, type) {
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.type = type; osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.4, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + dur);
    osc.connect(gain).connect(audio.destination);
    osc.start(start); osc.stop(start + dur + 0.02);
  }

  function beep(kind) {
    coach.beeps.push({kind, at: Date.now()});
    if (!audio || !coach.sound) return;
    const t = audio.currentTime;
    if (kind === "met") { tone(660, t, 0.18, "sine"); tone(880, t + 0.2, 0.3, "sine"); }
    else { tone(220, t, 0.2, "square"); tone(220, t + 0.28, 0.2, "square"); }
  }

  // ---- input -------------------------------------------------------------------------------
  for (const btn of document.querySelectorAll("button[data-cmd]")) {
    btn.addEventListener("click", () => command(btn.dataset.cmd));
  }
  $("sound").addEventListener("click", () => {
    if (coach.sound) {
      setSound(false);
    } else {
      unlockAudio();
      beep("met");
    }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
    let name = {" ": "toggle_pause", n: "next", N: "next", r: "repeat", R: "repeat", h: "pain", H: "pain"}[ev.key];
    if (!name && /^[0-9]$/.test(ev.key) && !$("pain-rate").hidden) name = `pain:${Number(ev.key) || 10}`;
    if (!name) return;
    ev.preventDefault();
    command(name);
  });
  document.addEventListener("pointerdown", (ev) => {  // the first tap anywhere turns the sound signals on
    if (!audio && !$("sound").contains(ev.target)) unlockAudio();
  });

  connect();
})();
