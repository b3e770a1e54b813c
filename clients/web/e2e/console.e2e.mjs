// End-to-end test of the console in Debian's Chromium, driven by playwright-core against a running
// dev stack, the way a person uses it: sign in from the link `nexus dev` printed, apply a workflow
// with an error and fix it, deploy it, run it and watch its timeline finish live, follow the run's
// trace as a waterfall, revoke a key and see it in the audit tail, talk to an agent, switch org and
// role, sign out. Every page is saved as a screenshot. Any error in the browser's console fails
// the run.
//
// NEXUS_CONSOLE_URL  the sign-in link (required)
// NEXUS_SCREENSHOTS  where screenshots go (default: target/screenshots)
// CHROMIUM           the browser (default: `command -v chromium`)
import { chromium } from "playwright-core";
import { execSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const signInUrl = process.env.NEXUS_CONSOLE_URL;
if (!signInUrl) {
  throw new Error("set NEXUS_CONSOLE_URL to the sign-in link nexus dev printed");
}
const shots = process.env.NEXUS_SCREENSHOTS ?? "target/screenshots";
mkdirSync(shots, { recursive: true });
const executablePath = process.env.CHROMIUM ?? execSync("command -v chromium", { encoding: "utf8" }).trim();
const T = 30_000;

const BROKEN = `id: console-e2e
displayName: Console e2e
labels:
  team: console
spec:
  inputSchema:
    type: object
    required: [name]
    properties:
      name: {type: string, minLength: 1}
  nodes:
    - id: greet
      transform:
        expression: "{'greeting': 'Hello, ' + input.name + '!'"
    - id: go
      wait:
        signal: {name: go, timeout: 3600s}
    - id: done
      transform:
        expression: "{'greeting': nodes.greet.greeting, 'by': nodes.go.by}"
  edges:
    - {from: greet, to: go}
    - {from: go, to: done}
`;
const FIXED = BROKEN.replace("input.name + '!'\"", "input.name + '!'}\"");
const brokenLine = BROKEN.split("\n").findIndex((l) => l.includes("input.name")) + 1;

const problems = [];
let current;
const step = async (name, body) => {
  const began = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - began} ms)`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message}`);
    if (current) {
      console.log(`  at ${current.url()}; the browser said:\n  ${problems.join("\n  ")}`);
      await current.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => undefined);
    }
    throw e;
  }
};
const check = (condition, message) => {
  if (!condition) {
    throw new Error(message);
  }
};

const browser = await chromium.launch({
  executablePath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  // Playwright gives every launch a fresh, empty --user-data-dir of its own.
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const watch = (page, name) => {
    page.on("console", (m) => m.type() === "error" && problems.push(`${name} console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`${name} page error: ${e.message}`));
    page.on("response", (r) => r.status() >= 400 && problems.push(`${name} HTTP ${r.status()} ${r.url()}`));
  };
  const page = await context.newPage();
  current = page;
  watch(page, "main");
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const go = async (hash) => {
    await page.evaluate((h) => (location.hash = h), hash);
  };

  await step("signs in from the printed link as the demo admin", async () => {
    await page.goto(signInUrl);
    const who = page.getByLabel("Signed in as");
    await who.waitFor({ timeout: T });
    const text = await who.textContent();
    check(text.includes("demo") && text.includes("admin"), `signed in as '${text}'`);
    check(!page.url().includes("sign_in") && !page.url().includes("code="), `the code stayed in ${page.url()}`);
    await page.getByRole("table", { name: "Workflows" }).getByRole("link", { name: "hello" }).waitFor({ timeout: T });
    await shot("workflows");
  });

  await step("the spent link does not sign in twice", async () => {
    const other = await browser.newContext();
    const again = await other.newPage();
    current = again;
    await again.goto(signInUrl);
    await again.getByRole("alert").filter({ hasText: "used or has expired" }).waitFor({ timeout: T });
    await other.close();
    current = page;
  });

  await step("applies a workflow: the error beside its line, then the fix", async () => {
    await page.getByRole("button", { name: "Apply a workflow" }).click();
    await page.getByLabel("Workflow file (YAML or JSON)").fill(BROKEN);
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    const byLine = page.getByRole("list", { name: "Violations by line" });
    await byLine.waitFor({ timeout: T });
    const listed = await byLine.textContent();
    check(listed.includes(`Line ${brokenLine}`), `violations: '${listed}' (expected line ${brokenLine})`);
    check(listed.includes("spec.nodes[0].transform.expression"), `violations: '${listed}'`);
    const marked = await page.locator(".gutter .mark").allTextContents();
    check(marked.some((m) => m.includes(String(brokenLine))), `gutter marks: ${marked}`);
    await shot("workflow-editor-error");
    await page.getByLabel("Workflow file (YAML or JSON)").fill(FIXED);
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    await page.getByText("Applied: console-e2e version 1.").waitFor({ timeout: T });
    await page.getByRole("table", { name: "Workflows" }).getByRole("link", { name: "console-e2e" }).waitFor({ timeout: T });
    await page.getByLabel("Filter by label").fill("team=console");
    await page.getByRole("table", { name: "Workflows" }).getByRole("link", { name: "hello" }).waitFor({ state: "detached", timeout: T });
    await shot("workflows-filtered");
  });

  await step("shows a workflow's versions side by side", async () => {
    await go("#/workflows/console-e2e");
    const editor = page.getByLabel("Workflow file (YAML or JSON)");
    await editor.waitFor({ timeout: T });
    const text = await editor.inputValue();
    await editor.fill(text.replace("timeout: 3600s", "timeout: 7200s"));
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    await page.getByText("Applied: console-e2e version 2.").waitFor({ timeout: T });
    const diff = page.getByRole("table", { name: "Diff of version 1 and version 2" });
    await diff.waitFor({ timeout: T });
    check((await diff.locator("tr.changed").textContent()).includes("3600s"), "the diff lacks the removed line");
    check((await diff.locator("tr.changed").textContent()).includes("7200s"), "the diff lacks the added line");
    await shot("workflow-versions");
  });

  await step("deploys it, follows the rollout live, rolls back and promotes", async () => {
    await go("#/deployments");
    const form = page.getByRole("form", { name: "Create a deployment" });
    const table = page.getByRole("table", { name: "Deployments" });
    const deploy = async (version) => {
      await form.getByLabel("Workflow").fill("console-e2e");
      await form.getByLabel("Version").fill(String(version));
      await form.getByRole("button", { name: "Deploy" }).click();
      await table.getByRole("row").filter({ hasText: `console-e2e v${version}` }).filter({ hasText: "gw-dev: ACTIVE" }).first().waitFor({ timeout: T });
    };
    await deploy(1);
    await deploy(2);
    // v2 replaced v1 in dev: v1's deployment is superseded, live.
    await table.getByRole("row").filter({ hasText: "console-e2e v1" }).filter({ hasText: "SUPERSEDED" }).first().waitFor({ timeout: T });
    await shot("deployments");
    await table.getByRole("row").filter({ hasText: "console-e2e v2" }).getByRole("button", { name: "Roll back to v1" }).first().click();
    await table.getByRole("row").filter({ hasText: "console-e2e v1" }).filter({ hasText: "gw-dev: ACTIVE" }).first().waitFor({ timeout: T });
    await table.getByRole("row").filter({ hasText: "console-e2e v1" }).filter({ hasText: "gw-dev: ACTIVE" }).getByRole("button", { name: "Promote to staging" }).first().click();
    await table.getByRole("row").filter({ hasText: "console-e2e v1" }).filter({ hasText: "STAGING" }).first().waitFor({ timeout: T });
    // Back to v2 in dev for the runs below.
    await deploy(2);
  });

  await step("runs it from a form made of its input schema and watches the timeline finish", async () => {
    await go("#/executions");
    const form = page.getByRole("form", { name: "Start an execution" });
    await form.getByLabel("Workflow").selectOption("console-e2e");
    await form.getByLabel("name *").fill("Ada");
    await form.getByRole("button", { name: "Start" }).click();
    await page.waitForURL(/#\/executions\/.+/, { timeout: T });
    const first = new URL(page.url()).hash.split("/")[2];
    await page.getByRole("list", { name: "Steps" }).getByText("go").waitFor({ timeout: T });
    await page.getByLabel("Status").filter({ hasText: "RUNNING" }).waitFor({ timeout: T });
    await page.getByLabel("greet attempt 1: completed").waitFor({ timeout: T });
    await page.getByLabel("go attempt 1: running").waitFor({ timeout: T });
    await shot("execution-running");
    const signal = page.getByRole("form", { name: "Signal the execution" });
    await signal.getByLabel("Signal").fill("go");
    await signal.getByLabel("Payload (JSON)").fill('{"by": "the console"}');
    await signal.getByRole("button", { name: "Send signal" }).click();
    await page.getByLabel("Status").filter({ hasText: "SUCCEEDED" }).waitFor({ timeout: T });
    await page.getByLabel("done attempt 1: completed").waitFor({ timeout: T });
    const given = await page.getByLabel("done attempt 1: completed").locator("details", { hasText: "Input" }).locator("pre").textContent();
    check(given.includes("Ada") && given.includes("Hello, Ada!") && given.includes("the console"), `done was given ${given}`);
    const output = await page.getByRole("region", { name: "Output" }).textContent();
    check(output.includes("Hello, Ada!") && output.includes("the console"), `output: ${output}`);
    await shot("execution-finished");
    // Its trace, from the console's call on: the gateway's span, both runs (it parked while it
    // waited, then resumed on the signal), every step.
    await page.getByRole("link", { name: "Trace", exact: true }).click();
    await page.waitForURL(/#\/traces\/[0-9a-f]{32}$/, { timeout: T });
    const traceId = new URL(page.url()).hash.split("/")[2];
    const spans = page.getByRole("table", { name: "Spans" });
    const deadline = Date.now() + T;
    // Each run's span comes once the run ends, in the next batch its gateway exports.
    const runs = () => spans.getByRole("row", { name: /^execute console-e2e: / }).count();
    while ((await spans.getByRole("row", { name: /^step done: / }).count()) === 0 || (await runs()) < 2) {
      check(Date.now() < deadline, `the trace never showed the step done and both runs (${await runs()} runs)`);
      await page.waitForTimeout(500);
      await page.getByRole("button", { name: "Refresh" }).click();
    }
    check((await runs()) === 2, "two runs of the execution");
    check((await spans.getByRole("row", { name: /^step greet: / }).count()) === 1, "the step greet");
    check((await spans.getByRole("row", { name: /StartExecution: / }).count()) === 1, "the gateway's span of the call");
    await shot("trace-waterfall");
    await go("#/traces");
    await page.locator(`a[href="#/traces/${traceId}"]`).waitFor({ timeout: T });
    // Another run, cancelled while it waits.
    await go("#/executions");
    await form.getByLabel("Workflow").selectOption("console-e2e");
    await form.getByLabel("name *").fill("Bob");
    await form.getByRole("button", { name: "Start" }).click();
    await page.waitForURL((url) => url.hash.startsWith("#/executions/") && !url.hash.includes(first), { timeout: T });
    await page.getByLabel("go attempt 1: running").waitFor({ timeout: T });
    await page.getByRole("button", { name: "Cancel execution" }).click();
    await page.getByLabel("Status").filter({ hasText: "CANCELLED" }).waitFor({ timeout: T });
  });

  await step("creates a key, shows its secret once, revokes it and sees that in the audit tail", async () => {
    const audit = await context.newPage();
    watch(audit, "audit");
    await audit.goto(page.url().split("#")[0] + "#/audit");
    // A second tab signs in silently through the issuer's session.
    await audit.getByRole("table", { name: "Audit events" }).waitFor({ timeout: T });
    await audit.getByText("● live").waitFor({ timeout: T });
    await go("#/keys");
    const form = page.getByRole("form", { name: "Create an API key" });
    await form.getByLabel("Name").fill("console-e2e-key");
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByTestId("api-key-secret").textContent();
    check(secret.startsWith("nxk_") || secret.length > 20, `secret: ${secret}`);
    await shot("api-keys-created");
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "Revoke console-e2e-key" }).click();
    await page.getByRole("row").filter({ hasText: "console-e2e-key" }).filter({ hasText: "REVOKED" }).waitFor({ timeout: T });
    check((await page.getByTestId("api-key-secret").count()) === 0, "the secret is still shown");
    await audit
      .getByRole("table", { name: "Audit events" })
      .getByRole("row")
      .filter({ hasText: "RevokeApiKey" })
      .first()
      .waitFor({ timeout: T });
    const revoked = audit.getByRole("table", { name: "Audit events" }).getByRole("row").filter({ hasText: "RevokeApiKey" }).first();
    const action = (await revoked.locator("td[data-label='Action']").textContent()).trim();
    await audit.getByLabel("Action").fill(action);
    await audit.getByText("● live").waitFor({ timeout: T });
    await audit.getByRole("table", { name: "Audit events" }).getByRole("row").filter({ hasText: "RevokeApiKey" }).first().waitFor({ timeout: T });
    const actions = await audit.locator("table[aria-label='Audit events'] td[data-label='Action']").allTextContents();
    check(actions.length > 0 && actions.every((a) => a.trim() === action), `filtered by ${action}: ${actions}`);
    await audit.screenshot({ path: join(shots, "audit.png"), fullPage: true });
    await audit.close();
  });

  await step("talks to an agent in a session", async () => {
    await go("#/sessions");
    await page.getByRole("button", { name: "New session with an agent" }).click();
    await page.waitForURL(/#\/sessions\/.+/, { timeout: T });
    await page.getByText("● live").waitFor({ timeout: T });
    await page.getByRole("form", { name: "Send a message" }).getByLabel("Message").fill('use hello with {"name": "Ada"}');
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("list", { name: "Session events" }).getByText("Hello, Ada!").first().waitFor({ timeout: 90_000 });
    await shot("session");
  });

  await step("shows gateways with health and usage, and panels", async () => {
    await go("#/gateways");
    await page.getByRole("table", { name: "Gateways" }).getByText("HEALTHY").waitFor({ timeout: T });
    // Gateways report usage with each heartbeat (10 s): look again until the runs above are in.
    const until = Date.now() + 45_000;
    const usage = page.getByRole("table", { name: "Usage per workflow" }).getByRole("row").filter({ hasText: "console-e2e" });
    while ((await usage.count()) === 0) {
      check(Date.now() < until, "the runs of console-e2e never showed in the usage chart");
      await page.waitForTimeout(2_000);
      await go("#/panels");
      await go("#/gateways");
      await page.getByRole("heading", { name: "Usage per workflow, last 24 hours" }).waitFor({ timeout: T });
      await page.locator("figure.chart, .empty").first().waitFor({ timeout: T });
    }
    await page.getByRole("img", { name: "Executions per workflow" }).waitFor({ timeout: T });
    await shot("gateways");
    await go("#/panels");
    await page.getByRole("heading", { name: "Panels" }).waitFor({ timeout: T });
    await shot("panels");
  });

  await step("works from the keyboard and at 375 px", async () => {
    await go("#/workflows");
    await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Workflows" }).focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    check(focused === "Deployments", `Tab from Workflows focused '${focused}'`);
    await page.keyboard.press("Enter");
    await page.waitForURL(/#\/deployments$/, { timeout: T });
    await page.setViewportSize({ width: 375, height: 800 });
    await go("#/executions");
    await page.getByRole("table", { name: "Executions" }).waitFor({ timeout: T });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `the page is ${overflow} px wider than a 375 px screen`);
    await shot("executions-375");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step("switches to another org and role, and sees none of demo's data", async () => {
    await page.getByRole("button", { name: "Switch org or role" }).click();
    const form = page.getByRole("form", { name: "Dev sign-in as" });
    await form.getByLabel("Org").fill("acme");
    await form.getByLabel("Role").selectOption("viewer");
    await form.getByRole("button", { name: "Sign in as" }).click();
    await page.getByLabel("Signed in as").filter({ hasText: "acme" }).waitFor({ timeout: T });
    await go("#/workflows");
    await page.getByText("No workflows yet.").waitFor({ timeout: T });
    await shot("other-org");
  });

  await step("signs out and forgets its tokens", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("Signed out.").waitFor({ timeout: T });
    await shot("signed-out");
  });

  check(problems.length === 0, `the browser reported errors:\n${problems.join("\n")}`);
  console.log(`all steps passed; screenshots in ${shots}`);
} finally {
  await browser.close();
}
