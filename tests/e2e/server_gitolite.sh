#!/usr/bin/env bash
# server_gitolite.sh: sigma on a gitolite3 server, pushed to over SSH.
#
# A real gitolite (Debian's gitolite3) owned by its own user, behind its own
# sshd (a host key made here, 127.0.0.1, a random port). sigma is added the
# way gitolite documents for site-local hooks: LOCAL_CODE => "$ENV{HOME}/local"
# and the repo-specific-hooks feature in ~/.gitolite.rc, the hook script in
# ~/local/hooks/repo-specific/sigma (written by root), and the repository
# opting in with `option hook.pre-receive = sigma` in gitolite.conf, pushed
# by the admin through gitolite-admin. The hook runs as gitolite3 with
# sshd's environment, so it uses the server defaults (/var/lib/sigma).
# A push of a blocked direct dependency must be refused with sigma's whole
# message on the client's stderr; a clean push accepted.
#
# Runs in a private mount namespace with overlays on /etc, /var/lib,
# /usr/local, /srv and /run (see tests/server_lib.sh); skips otherwise.
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ] && [ -z "${SIGMA_IN_NS:-}" ] && unshare -m -p -f --mount-proc --propagation private true 2> /dev/null; then
	exec unshare -m -p -f --mount-proc --propagation private env SIGMA_IN_NS=1 bash "$0" "$@"
fi
source "$here/../lib.sh"
source "$TESTS_DIR/server_lib.sh"
server_need gitolite /usr/sbin/sshd ssh ssh-keygen useradd runuser python3
server_ns_enter /etc /var/lib /usr/local /srv /run
check "sigma installed with the system registry and key" server_sigma_install

# The gitolite user, as Debian's package would make it (it makes none
# without an admin key). '*' rather than a locked '!': sshd without PAM
# refuses key logins to locked accounts.
gl=gitolite3 glhome=/var/lib/gitolite3
getent passwd $gl > /dev/null || useradd --system --home-dir $glhome --create-home --shell /bin/sh $gl
usermod -p '*' $gl && usermod -aG sigma $gl
as_gl() { (cd $glhome && runuser -u $gl -- env -i HOME=$glhome PATH=/usr/local/bin:/usr/bin:/bin "$@"); }

ssh-keygen -q -t ed25519 -N '' -C admin -f "$T/admin"
install -o $gl -m 0644 "$T/admin.pub" $glhome/admin.pub
check "gitolite setup -pk admin.pub (as $gl)" bash -c "$(declare -f as_gl); gl=$gl glhome=$glhome; as_gl gitolite setup -pk admin.pub > '$T/setup.out' 2>&1"

# Site-local code, managed on the server (not from the admin repository,
# which would let whoever pushes gitolite-admin run code as gitolite3).
# gitolite writes its multi-hook driver into ~/local/hooks itself.
sed -i -e 's|^\( *\)# *LOCAL_CODE *=> *"\$ENV{HOME}/local",|\1LOCAL_CODE => "$ENV{HOME}/local",|' \
	-e "s|^\( *\)# *'repo-specific-hooks',|\1'repo-specific-hooks',|" $glhome/.gitolite.rc
check "... LOCAL_CODE and repo-specific-hooks enabled in .gitolite.rc" \
	bash -c "grep -q '^ *LOCAL_CODE *=> \"\$ENV{HOME}/local\"' $glhome/.gitolite.rc && grep -q \"^ *'repo-specific-hooks'\" $glhome/.gitolite.rc"
install -d -o $gl -m 0755 $glhome/local $glhome/local/hooks
install -d -m 0755 $glhome/local/hooks/repo-specific
printf '#!/bin/sh\nexec /usr/local/bin/sigma pre-receive\n' > $glhome/local/hooks/repo-specific/sigma
chmod 0755 $glhome/local/hooks/repo-specific/sigma

# Its own sshd on a random loopback port, with a host key made here.
mkdir -p /run/sshd "$T/ssh" && chmod 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host"
port=$(free_port)
cat > "$T/ssh/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $T/ssh/host
PidFile $T/ssh/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
AllowUsers $gl
StrictModes yes
LogLevel VERBOSE
EOF
/usr/sbin/sshd -D -e -f "$T/ssh/sshd_config" 2> "$T/ssh/sshd.log" &
_pids+=($!)
if ! wait_port "$port" 10; then
	sed 's/^/# sshd: /' "$T/ssh/sshd.log"
	server_skip "sshd did not start on 127.0.0.1:$port"
fi
echo "[127.0.0.1]:$port $(cat "$T/ssh/host.pub")" > "$T/ssh/known_hosts"
export GIT_SSH_COMMAND="ssh -F none -i $T/admin -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$T/ssh/known_hosts -o StrictHostKeyChecking=yes -o ConnectTimeout=5"
url=ssh://$gl@127.0.0.1:$port

# The admin adds the repository and its hook through gitolite-admin.
if git clone -q "$url/gitolite-admin" "$T/admin-repo" 2> "$T/clone.err"; then
	ok "the admin clones gitolite-admin over SSH (host key checked)"
else
	nok "the admin clones gitolite-admin over SSH (host key checked)"
	sed 's/^/# /' "$T/clone.err" "$T/ssh/sshd.log"
fi
cat >> "$T/admin-repo/conf/gitolite.conf" <<'EOF'

repo app
    RW+                     =   admin
    option hook.pre-receive =   sigma
EOF
git -C "$T/admin-repo" commit -qam "app, guarded by sigma"
check "... and pushes the new repository with its hook option" \
	git -C "$T/admin-repo" push -q origin HEAD:master 2> /dev/null
app=$glhome/repositories/app.git
check "gitolite created app.git, owned by $gl" test "$(stat -c %U $app 2> /dev/null)" = $gl
check "... its hooks/pre-receive is gitolite's multi-hook driver" \
	test "$(readlink $app/hooks/pre-receive)" = $glhome/local/hooks/multi-hook-driver
check "... which runs sigma's script" \
	test "$(readlink $app/hooks/pre-receive.h00-sigma)" = $glhome/local/hooks/repo-specific/sigma
as_gl sigma doctor --repo $app > "$T/doctor" 2>&1
check "sigma doctor --repo as $gl: the registry and the key are usable" \
	bash -c "grep -q '^ok    registry' '$T/doctor' && grep -q '^ok    signing key' '$T/doctor'"
check "... and it finds sigma among gitolite's repo-specific hooks" \
	grep -q "^ok    hook .*pre-receive.h00-sigma" "$T/doctor"

# Pushes over SSH, as the admin; the hook runs as gitolite3.
work=$T/work
git clone -q "$url/app" "$work" 2> /dev/null
server_push_checks "$work" $gl $app
done_testing
