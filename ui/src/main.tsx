// Entry point: the Tauri backend inside the app window, the in-memory one in a plain browser. An
// error that escapes React replaces the page with a plain-text explanation instead of a blank window.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import type { Backend } from "./backend/backend";
import { inTauri, tauriBackend } from "./backend/tauriBackend";
import { i18n, initI18n } from "./i18n";
import { markLaunch } from "./launchMarks";
import "./styles.css";

markLaunch("script");

function showCrash(root: HTMLElement, error: unknown) {
  const box = document.createElement("pre");
  box.className = "crash";
  box.setAttribute("role", "alert");
  // textContent, never innerHTML: the error may quote customer text.
  box.textContent = `${i18n.t("app.crashed")}\n\n${error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error)}`;
  root.replaceChildren(box);
}

function render(backend: Backend) {
  const root = document.getElementById("root");
  if (root) {
    createRoot(root, {
      onUncaughtError: (error) => showCrash(root, error),
    }).render(
      <StrictMode>
        <App backend={backend} />
      </StrictMode>,
    );
  }
}

initI18n();
if (inTauri()) {
  render(tauriBackend());
} else {
  // The in-memory demo (a plain browser) is loaded only there: the window never parses it.
  void import("./backend/demoData").then(({ demoFakeBackend }) => render(demoFakeBackend()));
}
