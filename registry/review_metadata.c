/* review_metadata.c: the metadata and provenance reviewer.
 *
 * What a package says about itself, and whether its files agree:
 *   - a registry document that disagrees with the tarball's package.json
 *     about the name, the version or the dependencies ("manifest
 *     confusion": the registry shows one thing, npm installs another):
 *     HIGH;
 *   - dependencies on http:, git or tarball URLs: they bypass the
 *     registry, its integrity and sigma's review of the dependency: HIGH
 *     (devDependencies are not installed for a consumer, and are skipped);
 *   - an npm package with no description, no repository and no README
 *     all at once: nothing to hold the author to, the shape of throwaway
 *     malware, but also of every private and test package: MEDIUM (it
 *     counts towards the three-reviewer rule). Any one of the three is
 *     enough to be quiet;
 *   - an executable (ELF, PE, Mach-O) under an innocent extension (an
 *     image, a font, text, JSON, JavaScript): a payload that hides from
 *     reviewers who skip data files: HIGH. Executables under their own
 *     names (.node, .exe, bin/esbuild) are the archive reviewer's. */
#include <string.h>
#include <strings.h>
#include "common/util.h"
#include "registry/review.h"

#define NAME "metadata"

static const char *const dependency_fields[] = { "dependencies", "optionalDependencies", "peerDependencies", NULL };

static int url_spec(const char *spec)
{
	static const char *const prefixes[] = { "http:", "https:", "git:", "git+", "git@", "github:", "gitlab:",
	                                        "bitbucket:", "gist:", NULL };
	for (int i = 0; prefixes[i]; i++)
		if (!strncasecmp(spec, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

static void manifest_checks(review_findings *out, const review_package *pkg, const cJSON *own)
{
	for (int i = 0; dependency_fields[i]; i++) {
		const cJSON *deps = cJSON_GetObjectItemCaseSensitive(own, dependency_fields[i]);
		const cJSON *d;
		cJSON_ArrayForEach(d, deps) {
			const char *spec = cJSON_GetStringValue(d);
			if (spec && url_spec(spec))
				review_findings_add(out, NAME, "url-dependency", SEV_HIGH, "package.json", 0,
				                    "%s: %s comes from %.200s, outside the registry", dependency_fields[i],
				                    d->string, spec);
		}
	}
	const char *desc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(own, "description"));
	int has_repo = cJSON_GetObjectItemCaseSensitive(own, "repository") != NULL ||
	               cJSON_GetObjectItemCaseSensitive(own, "homepage") != NULL;
	int has_readme = 0;
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles; i++)
		has_readme |= !strncasecmp(pkg->files->files[i].path, "readme", 6);
	if ((!desc || !*desc) && !has_repo && !has_readme)
		review_findings_add(out, NAME, "no-provenance", SEV_MEDIUM, "package.json", 0,
		                    "no description, no repository or homepage, and no README");

	/* The registry document against the tarball. */
	const cJSON *meta = pkg->metadata;
	if (!cJSON_IsObject(meta))
		return;
	static const char *const fields[] = { "name", "version", NULL };
	for (int i = 0; fields[i]; i++) {
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(own, fields[i]));
		const char *b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, fields[i]));
		if (a && b && strcmp(a, b))
			review_findings_add(out, NAME, "manifest-mismatch", SEV_HIGH, "package.json", 0,
			                    "the tarball's %s is %.100s, the registry document says %.100s", fields[i], a, b);
	}
	for (int i = 0; dependency_fields[i]; i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(own, dependency_fields[i]);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(meta, dependency_fields[i]);
		if (!b && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(meta, "dependencies")))
			continue; /* a document without dependency lists says nothing about them */
		const cJSON *d;
		cJSON_ArrayForEach(d, a) {
			const cJSON *other = cJSON_GetObjectItemCaseSensitive(b, d->string);
			const char *x = cJSON_GetStringValue(d), *y = cJSON_GetStringValue(other);
			if (!other || (x && y && strcmp(x, y))) {
				review_findings_add(out, NAME, "manifest-mismatch", SEV_HIGH, "package.json", 0,
				                    "the tarball's %s has %s %.100s; the registry document %s", dependency_fields[i],
				                    d->string, x ? x : "", other ? "has another version" : "does not list it");
				return;
			}
		}
	}
}

/* Extensions under which nobody expects machine code. */
static int innocent(const char *path)
{
	static const char *const ext[] = { ".png", ".jpg", ".jpeg", ".gif", ".ico", ".svg", ".bmp", ".webp", ".woff",
	                                   ".woff2", ".ttf", ".otf", ".eot", ".txt", ".md", ".json", ".js", ".mjs",
	                                   ".cjs", ".ts", ".css", ".html", ".map", ".py", ".yml", ".yaml", ".xml",
	                                   ".csv", ".log", ".dat", ".mp3", ".mp4", ".wav", NULL };
	for (int i = 0; ext[i]; i++)
		if (sigma_endswith(path, ext[i]))
			return 1;
	return 0;
}

static const char *executable_kind(const unsigned char *d, size_t n)
{
	if (n >= 4 && !memcmp(d, "\x7f" "ELF", 4))
		return "an ELF executable";
	if (n >= 3 && d[0] == 'M' && d[1] == 'Z' && (d[2] < 0x20 || d[2] >= 0x80))
		return "a Windows (PE) executable";
	static const unsigned char macho[][4] = { { 0xfe, 0xed, 0xfa, 0xce }, { 0xfe, 0xed, 0xfa, 0xcf },
	                                          { 0xce, 0xfa, 0xed, 0xfe }, { 0xcf, 0xfa, 0xed, 0xfe } };
	for (size_t i = 0; n >= 4 && i < sizeof macho / sizeof *macho; i++)
		if (!memcmp(d, macho[i], 4))
			return "a Mach-O executable";
	return NULL;
}

static int review(review_findings *out, const review_package *pkg)
{
	if (sigma_streq(pkg->ecosystem, "npm") && pkg->files) {
		const unpack_file *manifest = unpack_find_file(pkg->files, "package.json");
		cJSON *own = manifest ? cJSON_ParseWithLength(manifest->data, manifest->len) : NULL;
		if (own)
			manifest_checks(out, pkg, own);
		cJSON_Delete(own);
	}
	int reported = 0;
	for (size_t i = 0; pkg->files && i < pkg->files->nfiles && reported < 3; i++) {
		const unpack_file *f = &pkg->files->files[i];
		if (f->offset || !innocent(f->path))
			continue;
		const char *kind = executable_kind((const unsigned char *)f->data, f->len);
		if (kind) {
			reported++;
			review_findings_add(out, NAME, "disguised-executable", SEV_HIGH, f->path, 0,
			                    "%s under a data file's name", kind);
		}
	}
	return 0;
}

const reviewer review_metadata = { NAME, review };
