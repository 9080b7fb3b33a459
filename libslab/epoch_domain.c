#include "config.h"
#include "epoch_domain.h"
#include "common.h"
