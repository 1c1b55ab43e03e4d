// An axe-like check in the page, for the browser tests: controls without an accessible name, and visible text under
// WCAG AA's 4.5:1 contrast against what is behind it.
import type { Page } from "playwright-core";

/**
 * Controls without an accessible name: inputs, selects and text areas without a label, aria-label or
 * aria-labelledby, and buttons and links with neither text nor an aria-label.
 */
export function unlabelled(page: Page): Promise<string[]> {
  // A script run in the page (the test's TypeScript has no DOM types), as text.
  return page.evaluate<string[]>(`(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((element) => {
        const input = element;
        if (input.type === "hidden") return false;
        if (input.getAttribute("aria-label") || input.getAttribute("aria-labelledby")) return false;
        return !(input.labels && input.labels.length > 0);
      })
      .concat([...document.querySelectorAll("button, a[href]")].filter(
        (element) => !element.textContent.trim() && !element.getAttribute("aria-label") && !element.getAttribute("title"),
      ))
      .map((element) => element.outerHTML.slice(0, 80)))()`);
}

/** Visible text whose colour has under 4.5:1 contrast with the background behind it (WCAG AA). */
export function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const parse = (color) => {
      const [r, g, b, a] = (color.match(/[\\d.]+/g) ?? []).map(Number);
      return { rgb: [r ?? 0, g ?? 0, b ?? 0], alpha: a ?? 1 };
    };
    const luminance = (rgb) => {
      const [r, g, b] = rgb.map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (element) => {
      for (let node = element; node; node = node.parentElement) {
        const { rgb, alpha } = parse(getComputedStyle(node).backgroundColor);
        if (alpha > 0.5) return rgb;
      }
      return [255, 255, 255];
    };
    const bad = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const element = text.parentElement;
      if (!element || !text.textContent?.trim()) continue;
      const style = getComputedStyle(element);
      if (style.visibility === "hidden" || style.display === "none" || element.closest("svg, canvas")) continue;
      if (element.closest("button:disabled")) continue;
      const opacity = Number(style.opacity);
      const fg = parse(style.color).rgb;
      const bg = background(element);
      const mixed = fg.map((v, i) => v * opacity + bg[i] * (1 - opacity));
      const [l1, l2] = [luminance(mixed), luminance(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < 4.5) bad.push(ratio.toFixed(2) + ": " + text.textContent.trim().slice(0, 40));
    }
    return [...new Set(bad)];
  })()`);
}
