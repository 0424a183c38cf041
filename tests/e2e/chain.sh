#!/usr/bin/env bash
# chain.sh: a lockfile whose packages form one chain (the project needs c0,
# c0 needs c1, ... c19999) is the worst case for chains: certificate v1
# wrote each package's chain whole, N^2 names, and past the 256 MiB cap a
# text that was not JSON was sealed and the push accepted. Here: the
# certificate stays linear and valid (sigma verify, and every chain rebuilt
# from "via"), the hook accepts and stores it, the report and the chain
# stay short, a certificate that would pass its cap refuses the push
# whatever sigma.onError says, storing nothing, and a name that is not
# UTF-8 is written as U+FFFD, never as a byte that makes the JSON invalid.
source "$(dirname "$0")/../lib.sh"
out=$T/out
N=20000

python3 "$TESTS_DIR/gen_chain.py" $N "$T/chain"
sigma keygen > /dev/null
# A hook's default key is the server's (/etc/sigma/signing.key): point it here.
git config --file "$SIGMA_CONFIG" sigma.signingKey "$XDG_DATA_HOME/sigma/signing.key"

# --- sigma scan DIR ------------------------------------------------------------------
start=$(date +%s%N)
sigma scan --json "$T/chain" > "$T/cert.json" 2> "$T/err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "scan --json of a $N-package chain exits 0" test "$rc" -eq 0
# v1 took 11 s for 10,000; v2 takes about 0.1 s here. Loose, for ASan and a busy machine.
check "... within 60 s (took $ms ms)" test "$ms" -lt 60000
size=$(stat -c %s "$T/cert.json")
# ~410 bytes a package; v1 would have been ~2.4 GB (and cut at 256 MiB).
check "... and the certificate is linear in size ($size bytes, under 1,000 a package)" test "$size" -lt $((N * 1000))
sigma verify "$T/cert.json" > "$out"; rc=$?
check "sigma verify accepts it (id, signature and chain links)" test "$rc" -eq 0
check "... saying OK" grep -q "^OK: " "$out"
check "every chain rebuilt from via is a path of real edges from a direct dependency" python3 - "$T/cert.json" $N <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); n = int(sys.argv[2]); p = c["packages"]
assert c["schema"] == "sigma.certificate/v3" and len(p) == n
at = {q["name"]: i for i, q in enumerate(p)}
for i, q in enumerate(p):
    assert "chain" not in q
    if q["depth"] == 0:
        assert q["via"] is None and q["direct"]
        continue
    up = p[q["via"]]
    assert up["depth"] == q["depth"] - 1 and q["parents"] and up["name"] + "@" + up["version"] in q["parents"]
# The deepest package's chain, rebuilt, is the whole chain c0 ... c(n-1).
i, names = at["c%d" % (n - 1)], []
while i is not None:
    names.append(p[i]["name"]); i = p[i]["via"]
assert names[::-1] == ["c%d" % k for k in range(n)], names[:3]
PY

# A certificate whose links were changed (and id recomputed) is refused.
python3 - "$T/cert.json" "$T/relinked.json" <<'PY'
import hashlib, json, sys
c = json.load(open(sys.argv[1])); c.pop("signature"); c.pop("id")
c["packages"][500]["via"] = 7
payload = json.dumps(c, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
c["id"] = hashlib.sha256(payload).hexdigest()
open(sys.argv[2], "w").write(json.dumps(c, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
PY
if sigma verify "$T/relinked.json" > "$out"; then nok "a certificate with a broken chain link fails verification"; else ok "a certificate with a broken chain link fails verification"; fi
check "... naming the package" grep -q "packages\[500\]: via 7 is not one level up" "$out"

# The report shows a deep chain by its ends: linear, not 20,000 names.
sigma registry block npm c19999 1.0.0 --reason test > /dev/null
sigma scan "$T/chain" > "$out" 2>&1
check "the report shows the deep chain's ends and what is left out" \
	grep -q "chain:   c0@1.0.0 > c1@1.0.0 > .* > c11@1.0.0 > ... 19976 more ... > c19988@1.0.0 > .* > c19999@1.0.0$" "$out"
check "... in a short report ($(wc -c < "$out") bytes)" test "$(wc -c < "$out")" -lt 4000
sigma registry unblock npm c19999 1.0.0 > /dev/null

# --- the cap: fail closed ----------------------------------------------------------------
SIGMA_CERT_MAX_BYTES=4096 sigma scan --json "$T/chain" > "$out" 2>&1; rc=$?
check "scan with a certificate over its cap fails (exit $rc, not 0)" test "$rc" -ne 0
check "... saying the cap was reached" grep -q "cap of 4096 bytes reached" "$out"
check "... and prints no certificate" sh -c "! grep -q '\"schema\"' '$out'"
SIGMA_CERT_MAX_BYTES=nonsense sigma scan --json "$T/chain" > "$out" 2>&1; rc=$?
check "a malformed SIGMA_CERT_MAX_BYTES is an error, not ignored" test "$rc" -ne 0

# --- the hook ----------------------------------------------------------------------------
server=$(new_server app)
work=$(new_clone work "$server")
cp "$T/chain/package.json" "$T/chain/package-lock.json" "$work/"
git -C "$work" add -A && git -C "$work" commit -qm chain
commit=$(git -C "$work" rev-parse HEAD)

SIGMA_CERT_MAX_BYTES=4096 git -C "$work" push origin main > "$out" 2>&1; rc=$?
check "a push whose certificate passes its cap is refused" test "$rc" -ne 0
check "... with the reason" grep -q "push refused for refs/heads/main: no certificate can be issued: .*cap of 4096 bytes reached" "$out"
stored=$(sqlite3 "$SIGMA_DB" "SELECT count(*) FROM submissions WHERE commit_oid='$commit'")
check "... and nothing is stored for it" test "$stored" -eq 0
git --git-dir="$server" config sigma.onError accept
SIGMA_CERT_MAX_BYTES=4096 git -C "$work" push origin main > "$out" 2>&1; rc=$?
check "... refused with sigma.onError = accept too (the input's doing, not sigma's)" test "$rc" -ne 0
git --git-dir="$server" config --unset sigma.onError

# A package name that is not UTF-8 would make a certificate no strict
# parser reads: it is written as U+FFFD.
bad=$(new_clone bad "$server")
printf '{"name":"x","version":"1.0.0","dependencies":{"a\xffb":"1.0.0"}}' > "$bad/package.json"
printf '{"name":"x","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"x","version":"1.0.0","dependencies":{"a\xffb":"1.0.0"}},"node_modules/a\xffb":{"version":"1.0.0"}}}' > "$bad/package-lock.json"
git -C "$bad" add -A && git -C "$bad" commit -qm bad
git -C "$bad" push origin HEAD:refs/heads/bad > "$out" 2>&1; rc=$?
check "a package name that is not UTF-8 is judged (exit $rc)" test "$rc" -eq 0
sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$(git -C "$bad" rev-parse HEAD)'" > "$T/bad.json"
check "... and its certificate is strict UTF-8 JSON naming it with U+FFFD" python3 -c '
import json, sys
c = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
sys.exit(0 if [p["name"] for p in c["packages"]] == ["a\ufffdb"] else 1)' "$T/bad.json"
check "... which sigma verify accepts" bash -c "'$SIGMA_BIN' verify '$T/bad.json' > /dev/null"

git --git-dir="$server" config sigma.timeout 1ms
git -C "$work" push origin main > "$out" 2>&1; rc=$?
check "a push the deadline cuts short is refused" test "$rc" -ne 0
check "... saying so" grep -q "could not finish judging this push" "$out"
git --git-dir="$server" config --unset sigma.timeout

git -C "$work" push origin main > "$out" 2>&1; rc=$?
check "the $N-package chain is accepted by the hook" test "$rc" -eq 0
sqlite3 "$SIGMA_DB" "SELECT certificate FROM submission_certificates WHERE commit_oid='$commit'" > "$T/stored.json"
sigma verify "$T/stored.json" > "$out"; rc=$?
check "... and the stored certificate verifies" test "$rc" -eq 0

done_testing
