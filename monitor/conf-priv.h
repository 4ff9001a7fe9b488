/* conf-priv.h - what the parts of the configuration loader share (conf*.c only). */
#ifndef SLAMON_CONF_PRIV_H
#define SLAMON_CONF_PRIV_H

#include <stdbool.h>
#include <time.h>

#include <libconfig.h>

#include "conf.h"

#define DAY (86400L)

int conf_get_double(struct conf_ctx *, const config_setting_t *, const char *,
    double min, double max, double *);
int conf_check_keys(struct conf_ctx *, const config_setting_t *, const char *const *,
    const char *const *);
config_setting_t *conf_get_group(
    struct conf_ctx *, const config_setting_t *, const char *, bool list);
int conf_get_time(struct conf_ctx *, const config_setting_t *, const char *, time_t *,
    bool *date_only);
bool conf_valid_name(const char *);
int conf_parse_maintenance(struct conf_ctx *, const config_setting_t *, struct conf *);
int conf_parse_cluster(struct conf_ctx *, const config_setting_t *, struct conf *);
void conf_cluster_free(struct conf_cluster *);
int conf_parse_alerts(struct conf_ctx *, const config_setting_t *, struct conf *);
int conf_parse_page(struct conf_ctx *, const config_setting_t *, struct conf *);
void conf_page_free(struct conf_page *);
void conf_window_free(struct conf_window *);
void conf_ics_free(struct conf_ics *);

#endif
