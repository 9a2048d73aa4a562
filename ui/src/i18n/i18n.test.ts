import { describe, expect, it } from "vitest";

import { en } from "./en";
import { zhCN } from "./zhCN";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
}

describe("translations", () => {
  it("zh-CN and en have the same keys", () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it("every string is translated and keeps its placeholders", () => {
    const lookup = (tree: unknown, path: string) => path.split(".").reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], tree) as string;
    for (const key of keys(en)) {
      const english = lookup(en, key);
      const chinese = lookup(zhCN, key);
      expect(chinese, key).toBeTruthy();
      expect(placeholders(chinese), key).toEqual(placeholders(english));
    }
  });
});
