import { defineConfig } from "vite";

// Built into the jar: the control plane serves target/classes/nexus-console at /console.
export default defineConfig({
  base: "/console/",
  // Vite's own esbuild compiles JSX (the React plugin only adds fast refresh).
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "target/classes/nexus-console",
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
