// i18next set up for zh-CN and en: follows the OS language unless the agent chose one in Settings.

import i18n from "i18next";
import { initReactI18next } from "react-i18next";

import { en } from "./en";
import { zhCN } from "./zhCN";

export type Language = "zh-CN" | "en";

export function systemLanguage(): Language {
  const languages = typeof navigator === "undefined" ? [] : [...(navigator.languages ?? []), navigator.language];
  return languages.some((l) => l?.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function initI18n(language: Language = systemLanguage()) {
  if (!i18n.isInitialized) {
    void i18n.use(initReactI18next).init({
      resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
      lng: language,
      fallbackLng: "en",
      // React escapes everything it renders: never let i18next produce markup.
      interpolation: { escapeValue: false },
      returnNull: false,
    });
  } else {
    void i18n.changeLanguage(language);
  }
  if (typeof document !== "undefined") document.documentElement.lang = language;
  return i18n;
}

export { i18n };
