/* cvss.h: CVSS base scores from vector strings, and the four words
 * advisories are ranked by (low, moderate, high, critical).
 *
 * CVSS v3.0 and v3.1 base scores are computed from the vector exactly as
 * the FIRST specification defines them (including v3.1's Roundup). CVSS
 * v4.0 scores come from a table of about 270 macro-vector scores; that is
 * not built in, so a v4 vector has no score here and the record's own
 * severity word (database_specific.severity) is used instead. */
#ifndef SIGMA_REGISTRY_CVSS_H
#define SIGMA_REGISTRY_CVSS_H

/* The base score (0.0 .. 10.0) of a "CVSS:3.x/AV:..../..." vector, or -1
 * when the vector is not a complete, valid CVSS v3 base vector. */
double cvss_v3_base_score(const char *vector);

/* The word for a score: "none" (0), "low" (< 4), "moderate" (< 7),
 * "high" (< 9), "critical". */
const char *cvss_rating(double score);

/* Rank of a severity word: 0 none/unknown, 1 low, 2 moderate (or medium),
 * 3 high, 4 critical; -1 when the word is not one of them. */
int cvss_rank(const char *word);

#endif
