/* cvss.c: see cvss.h. The constants are the CVSS v3.1 specification's
 * (section 7.4, "Metric Values"); v3.0 differs only in rounding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "registry/cvss.h"

/* Round up to one decimal as v3.1 defines it: on an integer number of
 * hundred-thousandths, so that 4.000000001 stays 4.0 and does not become
 * 4.1 through floating-point noise. */
static double roundup31(double x)
{
	long n = lround(x * 100000.0);
	if (n % 10000 == 0)
		return (double)n / 100000.0;
	return (floor((double)n / 10000.0) + 1) / 10.0;
}

static double roundup30(double x) { return ceil(x * 10.0 - 1e-9) / 10.0; }

/* The value of metric `key` in the vector ("AV" -> 'N'), or 0. */
static char metric(const char *vector, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = vector; (p = strstr(p, key)) != NULL; p++) {
		if ((p == vector || p[-1] == '/') && p[klen] == ':' && p[klen + 1] &&
		    (p[klen + 2] == '/' || p[klen + 2] == '\0'))
			return p[klen + 1];
	}
	return 0;
}

double cvss_v3_base_score(const char *vector)
{
	if (!vector)
		return -1;
	int v31 = strncmp(vector, "CVSS:3.1/", 9) == 0;
	if (!v31 && strncmp(vector, "CVSS:3.0/", 9) != 0)
		return -1;
	char av = metric(vector, "AV"), ac = metric(vector, "AC"), pr = metric(vector, "PR"),
	     ui = metric(vector, "UI"), s = metric(vector, "S"), c = metric(vector, "C"),
	     i = metric(vector, "I"), a = metric(vector, "A");
	double vav = av == 'N' ? 0.85 : av == 'A' ? 0.62 : av == 'L' ? 0.55 : av == 'P' ? 0.2 : -1;
	double vac = ac == 'L' ? 0.77 : ac == 'H' ? 0.44 : -1;
	int changed = s == 'C';
	if (s != 'U' && s != 'C')
		return -1;
	double vpr = pr == 'N' ? 0.85 : pr == 'L' ? (changed ? 0.68 : 0.62) : pr == 'H' ? (changed ? 0.5 : 0.27) : -1;
	double vui = ui == 'N' ? 0.85 : ui == 'R' ? 0.62 : -1;
	double cia[3];
	char raw[3] = { c, i, a };
	for (int k = 0; k < 3; k++)
		cia[k] = raw[k] == 'H' ? 0.56 : raw[k] == 'L' ? 0.22 : raw[k] == 'N' ? 0 : -1;
	if (vav < 0 || vac < 0 || vpr < 0 || vui < 0 || cia[0] < 0 || cia[1] < 0 || cia[2] < 0)
		return -1;
	double iss = 1 - (1 - cia[0]) * (1 - cia[1]) * (1 - cia[2]);
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double exploitability = 8.22 * vav * vac * vpr * vui;
	if (impact <= 0)
		return 0;
	double base = changed ? 1.08 * (impact + exploitability) : impact + exploitability;
	if (base > 10)
		base = 10;
	return v31 ? roundup31(base) : roundup30(base);
}

const char *cvss_rating(double score)
{
	if (score <= 0)
		return "none";
	return score < 4.0 ? "low" : score < 7.0 ? "moderate" : score < 9.0 ? "high" : "critical";
}

int cvss_rank(const char *word)
{
	static const char *const words[] = { "none", "low", "moderate", "high", "critical" };
	if (!word || !*word)
		return 0;
	for (int k = 0; k < 5; k++)
		if (!strcasecmp(word, words[k]))
			return k;
	if (!strcasecmp(word, "medium"))
		return 2;
	if (!strcasecmp(word, "unknown"))
		return 0;
	return -1;
}
