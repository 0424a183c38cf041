/* outbox.h: how a push accepted by the pre-receive hook reaches the forge.
 *
 * The hook cannot call a forge (GitHub Enterprise runs it in a chroot with
 * no network, and every hook shares 5 seconds), so it leaves one row in
 * the queue; `sigma serve` turns that row into the commit status, exactly
 * as it does for a webhook delivery. Writing the row is one INSERT on its
 * own short-lived connection. */
#ifndef SIGMA_WEBHOOK_OUTBOX_H
#define SIGMA_WEBHOOK_OUTBOX_H

/* Record that `commit` of `repository` was judged `decision` with the
 * certificate `certificate_id`, for `sigma serve` to post. `ref` may be
 * NULL. The forge's name for the repository is taken from the forge's
 * hook environment when present (GITEA_REPO_USER_NAME/GITEA_REPO_NAME,
 * GL_PROJECT_PATH, GITHUB_REPO_NAME), else `repository` is kept. Best
 * effort: waits at most a moment for the database lock. 0 or a negative
 * SIGMA_E* code with the message in the error slot. */
int webhook_outbox_add_push(const char *db_path, const char *repository, const char *ref, const char *commit,
                            const char *certificate_id, const char *decision);

#endif
