import { newBrowser, startGateway } from "./e2e";

(async () => {
  const gw = await startGateway();
  console.log(gw.url, gw.agencyKey, gw.verifierKey);
  const { context } = await newBrowser({ width: 390, height: 844 });
  for (const p of ["agency", "wallet", "counter", "verify"]) {
    const page = await context.newPage();
    page.on("console", (m) => m.type() === "error" && console.log(p, "console:", m.text()));
    page.on("pageerror", (e) => console.log(p, "pageerror:", e.message));
    await page.goto(`${gw.url}/${p}`);
    await page.waitForTimeout(800);
    await page.screenshot({ path: `/tmp/smoke/${p}.png`, fullPage: true });
    console.log(p, (await page.textContent("body"))?.slice(0, 120));
  }
  await context.close();
  await gw.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
