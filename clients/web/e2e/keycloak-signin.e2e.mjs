// The console's production sign-in in Debian's Chromium: OIDC authorization code + PKCE against a
// real Keycloak realm (client nexus-console), through Keycloak's own login page, then a gRPC-Web
// call with its token, then sign-out.
//
// NEXUS_CONSOLE_URL  the console (required), e.g. http://127.0.0.1:8080/console/
// KEYCLOAK_USER, KEYCLOAK_PASSWORD  a user of the realm (required)
// NEXUS_SCREENSHOTS  where screenshots go (default: target/screenshots)
import { chromium } from "playwright-core";
import { execSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const consoleUrl = process.env.NEXUS_CONSOLE_URL;
const user = process.env.KEYCLOAK_USER;
const password = process.env.KEYCLOAK_PASSWORD;
if (!consoleUrl || !user || !password) {
  throw new Error("set NEXUS_CONSOLE_URL, KEYCLOAK_USER and KEYCLOAK_PASSWORD");
}
const shots = process.env.NEXUS_SCREENSHOTS ?? "target/screenshots";
mkdirSync(shots, { recursive: true });
const executablePath = process.env.CHROMIUM ?? execSync("command -v chromium", { encoding: "utf8" }).trim();
const T = 30_000;
const problems = [];

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
try {
  await page.goto(consoleUrl);
  // No Keycloak session yet: the silent attempt comes back signed out, and the page offers sign-in.
  await page.getByRole("button", { name: "Sign in" }).click({ timeout: T });
  await page.locator("#username").fill(user, { timeout: T });
  await page.locator("#password").fill(password);
  await page.screenshot({ path: join(shots, "keycloak-login.png") });
  await page.locator("#kc-login").click();
  const who = page.getByLabel("Signed in as");
  await who.waitFor({ timeout: T });
  const text = await who.textContent();
  if (!text.includes(user)) {
    throw new Error(`signed in as '${text}'`);
  }
  if (page.url().includes("code=")) {
    throw new Error(`the authorization code stayed in ${page.url()}`);
  }
  // A real gRPC-Web call with Keycloak's token: the workflows of the user's org (or the empty state).
  await page.getByRole("heading", { name: "Workflows" }).waitFor({ timeout: T });
  await page.locator(".empty, table[aria-label='Workflows'] tbody tr:not(.loading)").first().waitFor({ timeout: T });
  if ((await page.getByRole("alert").count()) > 0) {
    throw new Error(`the page shows an error: ${await page.getByRole("alert").first().textContent()}`);
  }
  await page.screenshot({ path: join(shots, "keycloak-signed-in.png"), fullPage: true });
  console.log(`signed in as ${text}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("Signed out.").waitFor({ timeout: T });
  if (problems.length) {
    throw new Error(`the browser reported errors:\n${problems.join("\n")}`);
  }
  console.log("keycloak sign-in passed");
} catch (e) {
  await page.screenshot({ path: join(shots, "keycloak-failure.png"), fullPage: true }).catch(() => undefined);
  console.log(`FAIL at ${page.url()}: ${e.message}\n${problems.join("\n")}`);
  throw e;
} finally {
  await browser.close();
}
