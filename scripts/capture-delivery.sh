#!/usr/bin/env bash
# Shows one real webhook as a receiver gets it: starts idhooks on a temporary SQLite database,
# a node:http receiver on 127.0.0.1:4455 that prints raw headers and body, subscribes it to
# User.Created and creates a user. Run from the repository root: bash scripts/capture-delivery.sh
set -euo pipefail
DIR=$(mktemp -d)
# One node process each (no npm or tsx wrapper), so the kills at the end stop them.
node -e '
const http = require("http");
http.createServer((req, res) => { let b = ""; req.on("data", c => b += c); req.on("end", () => {
  const h = []; for (let i = 0; i < req.rawHeaders.length; i += 2) h.push(req.rawHeaders[i] + ": " + req.rawHeaders[i+1]);
  console.log(req.method + " " + req.url + " HTTP/" + req.httpVersion + "\n" + h.join("\n") + "\n\n" + b + "\n");
  res.end("ok"); }); }).listen(4455, "127.0.0.1");' > "$DIR/received.txt" &
RECV=$!
DATABASE_URL="sqlite:$DIR/idhooks.db" PORT=3101 IDHOOKS_LOG_LEVEL=warn \
  IDHOOKS_ADMIN_CLIENT_ID=demo-admin IDHOOKS_ADMIN_CLIENT_SECRET=demo-admin-secret-123 \
  IDHOOKS_ALLOW_PRIVATE_TARGETS=127.0.0.1/32 node --import tsx src/main.ts start > "$DIR/server.log" 2>&1 &
SRV=$!
trap 'kill $SRV $RECV 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 50); do curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:3101/api/status | grep -q 204 && break; sleep 0.2; done
TOKEN=$(curl -s -u demo-admin:demo-admin-secret-123 -d grant_type=client_credentials \
  -d resource=http://127.0.0.1:3101/api -d scope=all http://127.0.0.1:3101/oidc/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
curl -s -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name":"demo","events":["User.Created"],"config":{"url":"http://127.0.0.1:4455/hook","headers":{"x-custom-header":"hello"}}}' \
  http://127.0.0.1:3101/api/hooks > "$DIR/hook.json"
curl -s -A 'curl/7.88.1' -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"username":"webhook_probe_4","primaryEmail":"probe4@example.com","name":"Probe Four","customData":{"plan":"free"}}' \
  http://127.0.0.1:3101/api/users > /dev/null
sleep 1
cat "$DIR/received.txt"
echo "signing key: $(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1])).signingKey' "$DIR/hook.json")"
