// The viewer's message area: readable errors and notes, one per key, each dismissable, some with an action.

/** Shows (or replaces) a message; `key` identifies it so the same problem is not listed twice. */
export function showMessage(
  key: string,
  text: string,
  kind: "error" | "info" = "error",
  action?: { label: string; run: () => void },
): void {
  const box = document.getElementById("messages")!;
  let el = box.querySelector<HTMLElement>(`[data-key="${key}"]`);
  if (!el) {
    el = document.createElement("div");
    el.dataset.key = key;
    box.appendChild(el);
  }
  el.className = `msg ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.innerHTML = "";
  const p = document.createElement("p");
  p.textContent = text;
  el.appendChild(p);
  if (action) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = action.label;
    b.addEventListener("click", () => {
      el!.remove();
      action.run();
    });
    el.appendChild(b);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", "Dismiss message");
  close.addEventListener("click", () => el!.remove());
  el.appendChild(close);
}

/** Removes the message with that key, if shown. */
export function clearMessage(key: string): void {
  document.getElementById("messages")!.querySelector(`[data-key="${key}"]`)?.remove();
}
