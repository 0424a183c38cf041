#!/usr/bin/env bash
# serve_logforge.sh: request values cannot forge log lines (issue 13,
# finding 6). Unsigned deliveries carry a delivery id and an event name
# built to look like the rest of a line, or to end the line with a bare CR
# and write a whole `outcome=queued` line after it; a forge name in the
# URL does the same with %0d / %0a. None is signed, so the log must show
# no queued delivery at all, every line (split at CR and LF alike) must be
# one of sigma's, and the values must appear escaped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../serve_lib.sh"

SECRET=forge-secret
gh_config http://127.0.0.1:9 < /dev/null
start_serve --config "$T/serve.config" --workers 0
port=${SERVE##*:}
zeros=0000000000000000000000000000000000000000000000000000000000000000
forged='sigma serve: delivery forge=gh event=push id=real outcome=queued job=1 repo=octo/app sha=0123456789ab ms=1'
# request HEADER-LINES...: a raw POST to /webhook/gh with a 2-byte body.
request() {
	local f=$T/req.$RANDOM
	{
		printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n' "$1"
		shift
		printf '%s\r\n' "$@"
		printf '\r\n{}'
	} > "$f"
	python3 "$TESTS_DIR/hostile_client.py" raw "$port" "$f"
}
r1=$(request /webhook/gh "X-GitHub-Event: push" "X-GitHub-Delivery: x outcome=queued job=1 repo=octo/app" \
	"X-Hub-Signature-256: sha256=$zeros")
check "an id made of fields: refused ($r1)" sh -c "echo '$r1' | grep -q ' 401 '"
r2=$(request /webhook/gh "X-GitHub-Event: push" "X-GitHub-Delivery: x$(printf '\r')$forged" \
	"X-Hub-Signature-256: sha256=$zeros")
echo "# an id with a bare CR: $r2"
r3=$(request /webhook/gh "X-GitHub-Event: push$(printf '\r')$forged" "X-Hub-Signature-256: sha256=$zeros")
echo "# an event with a bare CR: $r3"
r4=$(request /webhook/gh "X-GitHub-Event: push" "X-GitHub-Delivery: \"quoted\\\" id=\\\\x" \
	"X-Hub-Signature-256: sha256=$zeros")
check "an id with quotes and backslashes: refused ($r4)" sh -c "echo '$r4' | grep -q ' 401 '"
r5=$(request "/webhook/x%0d%0a$(printf '%s' "$forged" | sed 's/ /%20/g')" "X-GitHub-Event: push")
check "a forge name with %0d%0a: 404 ($r5)" sh -c "echo '$r5' | grep -q ' 404 '"
r6=$(request /webhook/gh "X-GitHub-Event: issues x outcome=queued" "X-Hub-Signature-256: sha256=$zeros")
check "an event never judged, made of fields: ignored on its headers ($r6)" sh -c "echo '$r6' | grep -q ' 202 '"
sleep 0.3
stop_serve

tr '\r' '\n' < "$T/serve.err" > "$T/lines"
# A real queued line has " outcome=queued" after a real space; in an
# escaped value the space before it is \x20.
check "no line says a delivery was queued" sh -c "! grep -q ' outcome=queued' '$T/lines'"
check "no queued line begins a line" sh -c "! grep -q '^sigma serve: delivery forge=gh event=push id=real outcome=queued' '$T/lines'"
check "every line is sigma's own" sh -c "! grep -v -e '^sigma serve: ' -e '^\$' '$T/lines'"
check "the id's spaces are escaped" grep -qF 'id=x\x20outcome=queued\x20job=1\x20repo=octo/app outcome=unauthorized' "$T/serve.err"
check "quotes and backslashes are escaped" grep -qF 'id=\"quoted\\\"\x20id=\\\\x outcome=unauthorized' "$T/serve.err"
check "the URL's CR and LF are escaped" grep -qF 'unknown forge x\x0d\x0asigma\x20serve:' "$T/serve.err"
check "the event's spaces are escaped" grep -qF 'event=issues\x20x\x20outcome=queued id=- outcome=ignored' "$T/serve.err"
if grep -qF 'x\x0dsigma\x20serve:' "$T/serve.err"; then
	ok "a bare CR inside an id reaches the log as \\x0d"
else
	ok "a bare CR inside an id is refused by the HTTP parser before it is logged ($r2)"
fi
done_testing
