#include "slab_stats.h"

int main() {
    SlabAllocator* alloc = slab_allocator_create();
    
    // ... run your workload ...
    for (int i = 0; i < 2000000; i++) {
        SlabHandle h;
        if (alloc_obj_epoch(alloc, 64, epoch_current(alloc), &h))
            free_obj(alloc, h);
    }
    
#ifdef ENABLE_SLOWPATH_SAMPLING
    ThreadStats stats = slab_stats_thread();
    
    if (stats.alloc_samples > 0) {
        uint64_t avg_wall = stats.alloc_wall_ns_sum / stats.alloc_samples;
        uint64_t avg_cpu = stats.alloc_cpu_ns_sum / stats.alloc_samples;
        
        printf("\n=== Slowpath Sampling (1/1024) ===\n");
        printf("Samples: %lu\n", stats.alloc_samples);
        printf("Avg wall: %lu ns (max: %lu ns)\n", avg_wall, stats.alloc_wall_ns_max);
        printf("Avg CPU:  %lu ns (max: %lu ns)\n", avg_cpu, stats.alloc_cpu_ns_max);
        printf("Ratio: %.2fx\n", (double)avg_wall / avg_cpu);
        
        if (avg_wall > avg_cpu * 2) {
            printf("⚠ wall >> cpu: Scheduler interference\n");
        }
    }
    
    if (stats.repair_count > 0) {
        printf("\n=== Zombie Repairs ===\n");
        printf("Count: %lu\n", stats.repair_count);
        printf("Reasons:\n");
        printf("  Full bitmap:   %lu\n", stats.repair_reason_full_bitmap);
        printf("  List mismatch: %lu\n", stats.repair_reason_list_mismatch);
        printf("  Other:         %lu\n", stats.repair_reason_other);
    }
#endif
    
    slab_allocator_free(alloc);
    return 0;
}
