// Opens a page in headless Chromium that subscribes with the README's browser snippet, and prints
// what the page shows once a message has arrived (or after 20 seconds).
// Usage: node browser-subscribe.js <gateway port> <topic> <token>
const http = require('http');
const { chromium } = require('playwright-core');

const [port, topic, token] = process.argv.slice(2);
const page = `<!doctype html><html><body><div id="out">waiting</div>
<script>
  const token = ${JSON.stringify(token)};
  const ws = new WebSocket(\`ws://127.0.0.1:${port}/streams/Streams/Subscribe?topic=${topic}&token=\${encodeURIComponent(token)}\`);
  ws.onmessage = (event) => {
    const { topic, message, sent_at } = JSON.parse(event.data);
    document.getElementById("out").textContent = "received " + topic + " " + message + " " + sent_at;
  };
  ws.onclose = (event) => { document.getElementById("out").textContent += " closed " + event.code + " " + event.reason; };
</script></body></html>`;

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end(page);
});

server.listen(0, '127.0.0.1', async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    await tab.waitForFunction(() => document.getElementById('out').textContent !== 'waiting', null,
                              { timeout: 20000 }).catch(() => {});
    console.log(await tab.textContent('#out'));
  } finally {
    await browser.close();
    server.close();
  }
});
