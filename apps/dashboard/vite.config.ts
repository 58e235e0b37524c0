// The UI's build: src/ui → dist/ui, served by the dashboard's server (src/server). Relative asset
// URLs (base "./") and hash routing, so the dashboard works under any subpath of a proxy.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL("./src/ui", import.meta.url)),
  base: "./",
  plugins: [react()],
  resolve: { conditions: ["@faultline/source"] },
  build: { outDir: fileURLToPath(new URL("./dist/ui", import.meta.url)), emptyOutDir: true, sourcemap: true },
});
