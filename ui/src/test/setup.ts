// jsdom has no layout: give elements a size so the virtualized conversation renders its rows.
Element.prototype.getBoundingClientRect = function () {
  return { width: 800, height: 600, top: 0, left: 0, bottom: 600, right: 800, x: 0, y: 0, toJSON() {} } as DOMRect;
};
Object.defineProperty(HTMLElement.prototype, "offsetHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "offsetWidth", { configurable: true, get: () => 800 });
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 800 });

// Nor scrolling: keep each element's scroll offset and announce changes as a real scroller does.
const scrollOffsets = new WeakMap<Element, number>();
Object.defineProperty(Element.prototype, "scrollTop", {
  configurable: true,
  get(this: Element) {
    return scrollOffsets.get(this) ?? 0;
  },
  set(this: Element, value: number) {
    scrollOffsets.set(this, value);
    this.dispatchEvent(new Event("scroll"));
  },
});
Element.prototype.scrollTo = function (this: Element, options?: ScrollToOptions | number, y?: number) {
  this.scrollTop = typeof options === "number" ? (y ?? 0) : (options?.top ?? this.scrollTop);
} as Element["scrollTo"];
// A virtualized list's content height is its sizer's (first child's) declared height.
Object.defineProperty(Element.prototype, "scrollHeight", {
  configurable: true,
  get(this: Element) {
    const sizer = this.firstElementChild as HTMLElement | null;
    return Math.max(600, parseFloat(sizer?.style?.height ?? "") || 0);
  },
});
