// Errors read in the agent's language: by reason with its parameters, else by code with the core's
// words as details; the keychain has its own sentence in both languages.

import { beforeEach, describe, expect, it } from "vitest";

import { BackendError } from "./backend/backend";
import { describeError } from "./errors";
import { initI18n } from "./i18n";
import { en } from "./i18n/en";
import { zhCN } from "./i18n/zhCN";

describe("describeError", () => {
  beforeEach(() => initI18n("zh-CN"));

  it("words a reason in Chinese with its parameters, leaving the core's English out", () => {
    const error = new BackendError("invalid_input", "the image is larger than 10 MB", { key: "image_too_large", max_mb: 10 });
    expect(describeError(error)).toBe("图片超过 10 MB。");
    const missing = { code: "invalid_input", reason: { key: "account_key_missing", name: "店铺一", which: "union" }, message: "account has no union key" };
    expect(describeError(missing)).toBe("账号“店铺一”在钥匙串中没有联合密钥（union key）：请在 设置 → 账号 中填写。");
  });

  it("words a keychain error in Chinese, with the details after it", () => {
    const text = describeError({ code: "keychain", reason: { key: "general" }, message: "no secret service provider" });
    expect(text).toContain("系统钥匙串");
    expect(text).toContain("no secret service provider");
    expect(text).not.toContain("errors.keychain");
  });

  it("has a sentence for every code in both languages", () => {
    const codes = ["invalid_input", "not_found", "offline", "platform", "storage", "not_ready", "keychain"] as const;
    for (const code of codes) {
      expect(en.errors[code], code).toBeTruthy();
      expect(zhCN.errors[code], code).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it("in English too", () => {
    initI18n("en");
    expect(describeError(new BackendError("platform", "x", { key: "already_rated" }))).toBe("The customer has already rated this session.");
  });
});
