#!/usr/bin/env bash
# server_http.sh: sigma behind git's smart HTTP: `git http-backend` run by
# fcgiwrap as www-data, behind nginx (its own instance and configuration,
# 127.0.0.1, a random port, basic authentication so that http-backend
# enables receive-pack for the authenticated REMOTE_USER). The repository
# is owned by www-data, sigma installed with contrib/install-hook.sh, and
# the hook runs with fcgiwrap's environment (no SIGMA_DB): the server
# defaults apply. A push of a blocked direct dependency must be refused
# with sigma's whole message on the client's stderr; a clean push accepted.
#
# Runs in a private mount namespace with overlays on /etc, /var/lib,
# /usr/local, /srv and /run (see tests/server_lib.sh); skips otherwise.
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ] && [ -z "${SIGMA_IN_NS:-}" ] && unshare -m -p -f --mount-proc --propagation private true 2> /dev/null; then
	exec unshare -m -p -f --mount-proc --propagation private env SIGMA_IN_NS=1 bash "$0" "$@"
fi
source "$here/../lib.sh"
source "$TESTS_DIR/server_lib.sh"
backend=/usr/lib/git-core/git-http-backend
server_need /usr/sbin/nginx /usr/sbin/fcgiwrap "$backend" openssl runuser python3
getent passwd www-data > /dev/null || server_skip "needs the www-data user"
server_ns_enter /etc /var/lib /usr/local /srv /run
check "sigma installed with the system registry and key" server_sigma_install
usermod -aG sigma www-data

# The repository, owned by the web server's user, with sigma as its hook.
mkdir -p /srv/git && chown www-data: /srv/git
runuser -u www-data -- git init -q --bare -b main /srv/git/app.git
env -u SIGMA_DB -u SIGMA_CONFIG sh "$TESTS_DIR/../contrib/install-hook.sh" --sigma /usr/local/bin/sigma /srv/git/app.git > "$T/install.out" 2>&1
if [ "$(readlink /srv/git/app.git/hooks/pre-receive)" = /usr/local/bin/sigma ] && ! grep -q 'found problems' "$T/install.out"; then
	ok "contrib/install-hook.sh installs the hook (its doctor, as www-data, content)"
else
	nok "contrib/install-hook.sh installs the hook (its doctor, as www-data, content)"
	sed 's/^/# /' "$T/install.out"
fi

# fcgiwrap as www-data (with the group sigma), on a socket nginx can reach.
h=$T/http
install -d -o www-data -m 0755 "$h" "$h/body" "$h/fastcgi"
runuser -u www-data -- env -i /usr/sbin/fcgiwrap -c 2 -s "unix:$h/fcgiwrap.sock" 2> "$h/fcgiwrap.err" &
_pids+=($!)
for _ in $(seq 100); do [ -S "$h/fcgiwrap.sock" ] && break; sleep 0.05; done
[ -S "$h/fcgiwrap.sock" ] || server_skip "fcgiwrap did not start ($(head -c 200 "$h/fcgiwrap.err"))"

port=$(free_port)
printf 'dev:%s\n' "$(openssl passwd -apr1 s3cret)" > "$h/htpasswd"
chmod 0644 "$h/htpasswd"
cat > "$h/nginx.conf" <<EOF
user www-data;
worker_processes 1;
daemon off;
pid $h/nginx.pid;
error_log $h/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $h/body;
	fastcgi_temp_path $h/fastcgi;
	client_max_body_size 0;
	server {
		listen 127.0.0.1:$port;
		location ~ ^/git(/.*)\$ {
			auth_basic "git";
			auth_basic_user_file $h/htpasswd;
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME $backend;
			fastcgi_param GIT_PROJECT_ROOT /srv/git;
			fastcgi_param GIT_HTTP_EXPORT_ALL "";
			fastcgi_param PATH_INFO \$1;
			fastcgi_param REMOTE_USER \$remote_user;
			fastcgi_pass unix:$h/fcgiwrap.sock;
		}
	}
}
EOF
/usr/sbin/nginx -e "$h/error.log" -c "$h/nginx.conf" 2>> "$h/error.log" &
_pids+=($!)
if ! wait_port "$port" 10; then
	sed 's/^/# nginx: /' "$h/error.log"
	server_skip "nginx did not start on 127.0.0.1:$port"
fi
url=http://dev:s3cret@127.0.0.1:$port/git/app.git

work=$T/work
if git clone -q "$url" "$work" 2> "$T/clone.err"; then
	ok "clone over smart HTTP (nginx, fcgiwrap, git http-backend)"
else
	nok "clone over smart HTTP (nginx, fcgiwrap, git http-backend)"
	sed 's/^/# /' "$T/clone.err" "$h/error.log"
fi
server_push_checks "$work" www-data /srv/git/app.git
done_testing
