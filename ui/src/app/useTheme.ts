// The window's theme: light, dark, or the system's, kept in the window's own storage (it is no
// secret and nothing of a customer).

import { useEffect, useState } from "react";

import type { Theme } from "../components/SettingsDialog";

const KEY = "agentdesk.theme";

function storedTheme(): Theme {
  const value = typeof localStorage === "undefined" ? null : localStorage.getItem(KEY);
  return value === "light" || value === "dark" ? value : "system";
}

export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => {
    const dark = theme === "dark" || (theme === "system" && window.matchMedia?.("(prefers-color-scheme: dark)").matches);
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    localStorage.setItem(KEY, theme);
  }, [theme]);
  return [theme, setTheme];
}
