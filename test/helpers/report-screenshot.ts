/**
 * Screenshot of an HTML report for docs/report.png: `node dist/test/helpers/report-screenshot.js report.html
 * docs/report.png` (scripts/report-screenshot.sh makes the example's report first). The top of the page, where
 * the summary, verification and per-step charts are.
 */
import { launchChromium, openFile } from './browser.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: node dist/test/helpers/report-screenshot.js <report.html> <out.png>\n');
  process.exit(2);
}
const browser = await launchChromium();
try {
  const { page, problems } = await openFile(browser, input, { width: 1280, height: 1900 });
  if (problems.length > 0) throw new Error(`the report has problems: ${problems.join('; ')}`);
  await page.screenshot({ path: output, fullPage: false });
  process.stdout.write(`wrote ${output}\n`);
} finally {
  await browser.close();
}
