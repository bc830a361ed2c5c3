// The console is three pages (the operator console, the officer's field view and the community camera
// program's public page), built into the Python package so the server can serve them with no internet and no CDN.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  base: "/ui/",
  build: {
    outDir: resolve(here, "../src/rtcc/web/dist"),
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: {
        console: resolve(here, "index.html"),
        field: resolve(here, "field.html"),
        community: resolve(here, "community.html"),
      },
    },
  },
});
