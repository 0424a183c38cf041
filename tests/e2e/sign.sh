#!/usr/bin/env bash
# sign.sh: signed submission certificates. keygen writes an Ed25519 pair,
# the hook signs what it stores, `sigma verify` names the signing key, and
# any change to a certificate, one byte included, fails verification.
source "$(dirname "$0")/../lib.sh"
out=$T/out

sigma keygen > "$out"
check "keygen writes the private key (0600) where the settings default to" \
	test "$(stat -c %a "$XDG_DATA_HOME/sigma/signing.key")" = 600
check "... and the public key beside it" grep -q "BEGIN PUBLIC KEY" "$XDG_DATA_HOME/sigma/signing.pub"
key_id=$(awk '/key id:/ {print $3}' "$out")
check "... and prints the key id" test ${#key_id} -eq 64
if sigma keygen > "$out" 2>&1; then nok "keygen never overwrites a key"; else ok "keygen never overwrites a key"; fi
# A hook's default key is the server's (/etc/sigma/signing.key): point it here.
git config --file "$SIGMA_CONFIG" sigma.signingKey "$XDG_DATA_HOME/sigma/signing.key"

server=$(new_server app)
work=$(new_clone work "$server")
cd "$work"
npm_project . '{"left-pad":"1.3.0"}' "$(lock_entry left-pad 1.3.0)"
git add -A && git commit -qm one && git push -q origin main 2>/dev/null
commit=$(git rev-parse HEAD)
sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$commit'" > "$T/cert.json"
check "the hook stored a signed certificate" grep -q '"signature":{"alg":"ed25519","key_id":"'"$key_id"'"' "$T/cert.json"
sigma verify "$T/cert.json" > "$out"; rc=$?
check "sigma verify accepts it (exit 0)" test "$rc" -eq 0
check "... and says which key signed" grep -q "signed by key $key_id" "$out"

# One byte changed: the version of a package.
sed 's/"version":"1.3.0"/"version":"1.3.1"/' "$T/cert.json" > "$T/altered.json"
check "the altered copy differs by one byte" test "$(cmp -l "$T/cert.json" "$T/altered.json" | wc -l)" -eq 1
if sigma verify "$T/altered.json" > "$out"; then nok "a certificate altered by one byte fails verification"; else ok "a certificate altered by one byte fails verification"; fi
check "... saying the id does not match" grep -q "the id does not match the content" "$out"

# A consistent forgery: recompute the id, keep the old signature.
python3 - "$T/altered.json" "$T/forged.json" <<'PY'
import hashlib, json, sys
c = json.load(open(sys.argv[1]))
sig = c.pop("signature"); c.pop("id")
payload = json.dumps(c, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
c["id"] = hashlib.sha256(payload).hexdigest(); c["signature"] = sig
open(sys.argv[2], "w").write(json.dumps(c, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
PY
if sigma verify "$T/forged.json" > "$out"; then nok "a re-hashed forgery fails on the signature"; else ok "a re-hashed forgery fails on the signature"; fi
check "... saying so" grep -q "the signature does not match" "$out"
check "the independent canonical form (Python json, sorted keys) reproduces sigma's id" \
	python3 -c "
import hashlib, json, sys
c = json.load(open('$T/cert.json')); i = c.pop('id'); c.pop('signature')
p = json.dumps(c, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()
sys.exit(0 if hashlib.sha256(p).hexdigest() == i else 1)"

mkdir -p "$T/other"
sigma keygen --out "$T/other/k.key" > /dev/null
if sigma verify --key "$T/other/k.pub" "$T/cert.json" > "$out"; then nok "a certificate signed by another key fails"; else ok "a certificate signed by another key fails"; fi
check "... naming the key that did sign" grep -q "signed by key ${key_id:0:16}" "$out"
check "verify with both keys names the right one" \
	bash -c "'$SIGMA_BIN' verify --key '$T/other/k.pub' --key '$XDG_DATA_HOME/sigma/signing.pub' '$T/cert.json' | grep -q 'signing.pub'"

# A private key that others may read is refused, with the chmod that fixes it.
chmod 644 "$XDG_DATA_HOME/sigma/signing.key"
if sigma scan --json "$work" > "$out" 2>&1; then nok "a world-readable private key is refused"; else ok "a world-readable private key is refused"; fi
check "... saying how to fix the mode" grep -q "Fix: chmod 6[04]0 $XDG_DATA_HOME/sigma/signing.key" "$out"
chmod 600 "$XDG_DATA_HOME/sigma/signing.key"

# Without a key, certificates are sealed by id only, and verify says so.
git config --file "$SIGMA_CONFIG" --unset sigma.signingKey
mv "$XDG_DATA_HOME/sigma/signing.key" "$T/away.key"
sigma scan --json "$work" > "$T/unsigned.json"
if sigma verify "$T/unsigned.json" > "$out"; then nok "an unsigned certificate does not verify"; else ok "an unsigned certificate does not verify"; fi
check "... and verify says it is intact but unsigned" grep -q "NOT SIGNED.*matches the content" "$out"
git --git-dir="$server" config sigma.signingKey "$T/missing.key"
echo x > X && git add -A && git commit -qm two
if git push origin main > "$out" 2>&1; then nok "a configured signing key that is missing refuses (fails closed)"; else ok "a configured signing key that is missing refuses (fails closed)"; fi
check "... naming sigma.signingKey" grep -q "sigma.signingKey" "$out"
done_testing
