import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/**
 * The window runs with Object.prototype frozen (Tauri's `security.freezePrototype`, against
 * prototype pollution). ECharts' Scheduler assigns every enumerable name of a class prototype onto
 * a plain object, and its compiled classes carry `constructor` as an own enumerable property: under
 * a frozen Object.prototype that assignment throws ("the override mistake") as the module loads.
 * Defining the property instead does the same thing and is allowed. The build fails if the code
 * to patch is gone (after an ECharts upgrade), so this cannot silently stop applying.
 */
function echartsUnderFrozenPrototype(): Plugin {
  const assignment = "target[name_1] = noop;";
  return {
    name: "agentdesk-echarts-frozen-prototype",
    transform(code, id) {
      if (!id.replace(/\\/g, "/").endsWith("echarts/lib/core/Scheduler.js")) return null;
      if (!code.includes(assignment)) {
        this.error("ECharts' Scheduler changed: review the frozen-prototype patch in vite.config.ts");
      }
      return code.replace(
        assignment,
        "Object.defineProperty(target, name_1, { value: noop, writable: true, configurable: true, enumerable: true });",
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), echartsUnderFrozenPrototype()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: { outDir: "dist", target: "es2021", sourcemap: false, chunkSizeWarningLimit: 1024 },
  test: { environment: "jsdom", globals: false, setupFiles: ["src/test/setup.ts"] },
});
