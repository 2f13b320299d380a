// What the notify service's pages share: sound, the system's clock, and a status pill that is read once.
import { el, showStatus } from "/static/common/common.js";

// Sound for a screen nobody taps: a chime (Web Audio) and, where wanted, words read aloud.
// A browser plays sound without a tap only when it was started to allow it (the kiosk set-up in
// docs/OPERATIONS.md). Otherwise the page says so plainly, with a button that turns sound on; any tap or
// key on the page turns it on as well.
// Made when the page loads, before anything else: whether the browser lets it play is decided then.
const audio = new AudioContext();

export function soundControl(container, t, prefix) {
  const text = el("p", { class: "sound-text" });
  const button = el("button", { id: "start", type: "button" });
  container.replaceChildren(text, button);

  const on = () => audio.state === "running";
  const update = () => {
    container.dataset.sound = on() ? "on" : "blocked";
    text.textContent = t(on() ? `${prefix}.sound_ok` : `${prefix}.sound_blocked`);
    button.textContent = t(on() ? `${prefix}.sound_test` : `${prefix}.sound_on`);
  };

  function chime(volume = 0.25) {
    if (!on()) return false;
    for (const [offset, frequency] of [[0, 880], [0.25, 660]]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      const start = audio.currentTime + offset;
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(volume, start);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.6);
      tone.connect(gain).connect(audio.destination);
      tone.start(start);
      tone.stop(start + 0.6);
    }
    return true;
  }

  const unlock = async () => {
    if (!on()) await audio.resume().catch(() => {});
    update();
  };
  audio.addEventListener("statechange", update);
  button.addEventListener("click", async () => { await unlock(); chime(); });
  for (const gesture of ["pointerdown", "keydown"]) document.addEventListener(gesture, unlock, { once: true });
  update();

  return {
    on,
    chime,
    speak(words, language) {
      if (!on() || !("speechSynthesis" in window)) return;
      const utterance = new SpeechSynthesisUtterance(words);
      utterance.lang = language === "nb" ? "nb-NO" : "en-GB";
      speechSynthesis.speak(utterance);
    },
  };
}

// The system's clock (simulated in demos): read once, then run on at its speed.
export async function systemClock() {
  let base = { now: Date.now(), read: Date.now(), speed: 1 };
  const sync = async () => {
    try {
      const clock = await (await fetch("/api/clock")).json();
      base = { now: Date.parse(clock.now), read: Date.now(), speed: clock.speed };
    } catch {
      // keep the last reading (or the browser's own time): a clock that stops would be worse
    }
  };
  await sync();
  setInterval(sync, 10 * 60 * 1000);
  return () => base.now + (Date.now() - base.read) * base.speed;
}

export function clockTime(ms, language) {
  return new Date(ms).toLocaleTimeString(language === "nb" ? "nb-NO" : "en-GB", {
    timeZone: "Europe/Oslo", hour: "2-digit", minute: "2-digit",
  });
}

// The connection's status pill (a live region), rewritten only when the state changes: a screen reader
// reads each write. `onChange(state)` follows the same changes.
export function connectionStatus(element, t, onChange = () => {}) {
  let shown = null;
  return (state) => {
    if (state === shown) return;
    shown = state;
    showStatus(element, t, state);
    onChange(state);
  };
}
