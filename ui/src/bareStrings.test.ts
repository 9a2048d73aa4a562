// Every user-visible string comes from the catalogue (src/i18n): this reads each component's syntax
// tree and fails on text written straight into JSX (a text node, or a title, placeholder, label or
// alt attribute given as a literal), so an untranslated string cannot slip in.

import ts from "typescript";
import { describe, expect, it } from "vitest";

/** Every component's source, read by Vite at test time. */
const COMPONENTS = import.meta.glob<string>(["./**/*.tsx", "!./**/*.test.tsx"], { query: "?raw", import: "default", eager: true });
const VISIBLE_ATTRIBUTES = new Set(["title", "placeholder", "aria-label", "alt", "label"]);
/** Text that is not language: symbols, digits and punctuation only. */
const NOT_WORDS = /^[\s\d\p{P}\p{S}×·…]*$/u;

export function bareStrings(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const where = (node: ts.Node) => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && !NOT_WORDS.test(node.text)) found.push(`${where(node)} text ${JSON.stringify(node.text.trim())}`);
    if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText(source)) && node.initializer) {
      const value = node.initializer;
      const literal = ts.isStringLiteral(value) ? value : ts.isJsxExpression(value) && value.expression && ts.isStringLiteral(value.expression) ? value.expression : null;
      if (literal && !NOT_WORDS.test(literal.text)) found.push(`${where(node)} ${node.name.getText(source)}=${JSON.stringify(literal.text)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the string catalogue", () => {
  it("finds a bare string when there is one", () => {
    expect(bareStrings("x.tsx", `const A = () => <p title="Close">Hello {name}</p>;`)).toHaveLength(2);
    expect(bareStrings("x.tsx", `const A = () => <p title={t("x")}>{t("y")} · 3</p>;`)).toEqual([]);
  });

  it("has every user-visible string of the components", () => {
    const files = Object.entries(COMPONENTS);
    expect(files.length).toBeGreaterThan(15);
    const found = files.flatMap(([path, text]) => bareStrings(path, text));
    expect(found).toEqual([]);
  });
});
