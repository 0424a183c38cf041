#!/usr/bin/env bash
# serve_keys.sh: GET /keys publishes the key certificates are signed with,
# and a certificate the hook stored verifies against the key fetched from
# the service, and against no other.
source "$(dirname "$0")/../lib.sh"
source "$TESTS_DIR/serve_lib.sh"
command -v curl > /dev/null || { skip "curl is needed"; done_testing; exit 0; }

start_serve
check "sigma serve starts" test -n "$SERVE"
check "/keys with no signing key is an empty list" \
	test "$(curl -s "$SERVE/keys")" = '{"keys":[]}'
"$SIGMA_BIN" keygen > "$T/keygen"
key_id=$(awk '/key id:/ {print $3}' "$T/keygen")
# A hook's default key is the server's (/etc/sigma/signing.key): point it here.
git config --file "$SIGMA_CONFIG" sigma.signingKey "$XDG_DATA_HOME/sigma/signing.key"
curl -s "$SERVE/keys" > "$T/keys.json"
check "/keys serves the signing key's id" \
	test "$(python3 -c "import json; print(json.load(open('$T/keys.json'))['keys'][0]['key_id'])")" = "$key_id"
python3 -c "import json; print(json.load(open('$T/keys.json'))['keys'][0]['public_key_pem'], end='')" > "$T/served.pub"
check "... as a PEM public key" grep -q "BEGIN PUBLIC KEY" "$T/served.pub"

server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm one && git push -q origin main 2>/dev/null
sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$(git rev-parse HEAD)'" > "$T/cert.json"
check "a stored certificate verifies with the key fetched from /keys" \
	bash -c "'$SIGMA_BIN' verify --key '$T/served.pub' '$T/cert.json' | grep -q 'signed by key $key_id'"
mkdir -p "$T/other" && "$SIGMA_BIN" keygen --out "$T/other/x.key" > /dev/null
if "$SIGMA_BIN" verify --key "$T/other/x.pub" "$T/cert.json" > /dev/null; then
	nok "... and not with another key"
else
	ok "... and not with another key"
fi
# A certificate asked for by a prefix of its id, as logs and refusals shorten it.
cid=$(python3 -c "import json; print(json.load(open('$T/cert.json'))['id'])")
check "/certificates/<12-digit prefix> serves the certificate" \
	bash -c "curl -sf '$SERVE/certificates/${cid:0:12}?format=json' | grep -q '\"id\":\"$cid\"'"
check "... an 11-digit prefix is not looked up (404)" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE/certificates/${cid:0:11}")" = 404
check "... nor is a prefix nothing starts with" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE/certificates/000000000000")" = 404
stop_serve
done_testing
