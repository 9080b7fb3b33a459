#include "config.h"
#include "slab_alloc.h"
#include "common.h"
