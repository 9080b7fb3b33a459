#ifndef SLAB_INTERNAL_H
#define SLAB_INTERNAL_H
#endif
