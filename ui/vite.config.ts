import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: { outDir: "dist", target: "es2021", sourcemap: false, chunkSizeWarningLimit: 1024 },
  test: { environment: "jsdom", globals: false, setupFiles: ["src/test/setup.ts"] },
});
