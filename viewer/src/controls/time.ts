// The time controls: slider, first/previous/next/last, play with an interval, and the label of the shown step.
import { $ } from "../dom.js";
import { emit, render, shown, st } from "../store.js";
import { nearestIndex } from "../timeaxis.js";

let playTimer: number | undefined;

/** Shows step `i` (clamped to the axis): state, slider and label; redraws unless `fromUser` is false. Signals "time". */
export function setTimeIndex(i: number, opts: { fromUser?: boolean } = {}): void {
  const { times } = shown;
  if (times.length === 0) return;
  shown.timeIdx = Math.max(0, Math.min(times.length - 1, i));
  const timeIdx = shown.timeIdx;
  st.time = times[timeIdx];
  ($("time-slider") as HTMLInputElement).value = String(timeIdx);
  $("time-slider").setAttribute("aria-valuetext", times[timeIdx]!);
  $("time-label").textContent = `${times[timeIdx]} (${timeIdx + 1}/${times.length})`;
  emit("time");
  if (opts.fromUser !== false) render();
}

/** The index of the step nearest to `ms` (epoch ms). */
export function nearestTimeIndex(ms: number): number {
  return nearestIndex(shown.timeMs, ms);
}

/** Stops playing (and shows the Play button). */
export function stopPlay(): void {
  if (playTimer !== undefined) window.clearInterval(playTimer);
  playTimer = undefined;
  $("time-play").textContent = "▶ Play";
  $("time-play").setAttribute("aria-pressed", "false");
  $("time-play").setAttribute("aria-label", "Play");
}

$("time-slider").addEventListener("input", (e) => setTimeIndex(Number((e.target as HTMLInputElement).value)));
$("time-first").addEventListener("click", () => setTimeIndex(0));
$("time-prev").addEventListener("click", () => setTimeIndex(shown.timeIdx - 1));
$("time-next").addEventListener("click", () => setTimeIndex(shown.timeIdx + 1));
$("time-last").addEventListener("click", () => setTimeIndex(shown.times.length - 1));
/** Steps forward every play interval (ms, at least 100), from the last step back to the first. */
function startPlay(): void {
  window.clearInterval(playTimer);
  const ms = Math.max(100, Number(($("play-interval") as HTMLInputElement).value) || 1000);
  playTimer = window.setInterval(() => setTimeIndex(shown.timeIdx + 1 >= shown.times.length ? 0 : shown.timeIdx + 1), ms);
  $("time-play").textContent = "⏸ Pause";
  $("time-play").setAttribute("aria-pressed", "true");
  $("time-play").setAttribute("aria-label", "Pause");
}
$("time-play").addEventListener("click", () => (playTimer !== undefined ? stopPlay() : startPlay()));
// a new interval takes effect while playing
$("play-interval").addEventListener("change", () => {
  if (playTimer !== undefined) startPlay();
});
